import type { CurrentUser, InviteView, ManagedUserView } from '@care/shared';
import { accountsApi } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { loadAdminPage } from './admin-page-load.js';
import { InviteSubmission, type InviteDraft } from './invite-submission.svelte.js';
import { errorKey } from './schedule-format.js';

/**
 * An admin's view of the programme's staff: counselors (with whether they
 * are active, open invites, inviting one more) and administrators (each can
 * be deactivated by another, never by themselves, never the last one).
 * Never anyone's bookings; never a list of ASN (see AccountLookupManager).
 */
export class AdminPeopleManager {
  me = $state<CurrentUser | undefined>(undefined);
  counselors = $state<ManagedUserView[]>([]);
  admins = $state<ManagedUserView[]>([]);
  pending = $state<InviteView[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  /** The polite live region: what just happened. */
  notice = $state<{ key: MessageKey; name?: string } | undefined>(undefined);
  readonly invites = new InviteSubmission('counselor');
  busy = $state<string | undefined>(undefined);
  /** A deactivation or reactivation that did not go through. */
  actionError = $state<MessageKey | undefined>(undefined);

  load(): Promise<void> {
    return loadAdminPage(this, () => this.refresh());
  }

  async refresh(): Promise<void> {
    [this.counselors, this.admins, this.pending] = await Promise.all([
      accountsApi.users('counselor'),
      accountsApi.users('admin'),
      accountsApi.pendingCounselorInvites(),
    ]);
  }

  /** True when the invite went out (the form may clear). */
  async invite(draft: InviteDraft): Promise<boolean> {
    this.notice = undefined;
    const sent = await this.invites.send(draft);
    if (!sent) return false;
    this.notice = { key: 'invite.sent', name: sent.displayName };
    await this.refresh().catch(() => undefined);
    return true;
  }

  async setActive(person: ManagedUserView, active: boolean): Promise<void> {
    this.busy = person.id;
    this.notice = undefined;
    this.actionError = undefined;
    try {
      const updated = await accountsApi.setActive(person.id, active);
      const replace = (list: ManagedUserView[]) => list.map((p) => (p.id === updated.id ? updated : p));
      this.counselors = replace(this.counselors);
      this.admins = replace(this.admins);
      this.notice = { key: active ? 'people.reactivated' : 'people.deactivated', name: updated.displayName };
    } catch (error) {
      this.actionError = errorKey(error);
    } finally {
      this.busy = undefined;
    }
  }
}
