import type { CreateInviteBody, CurrentUser, InviteView, InvitedRole, ManagedUserView } from '@care/shared';
import { accountsApi, api } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

export interface InviteDraft {
  email: string;
  displayName: string;
  agencyUnit: string;
}

/** The fields the server named as wrong, keyed by field. */
export function fieldIssues(error: unknown): Record<string, MessageKey> {
  if (!(error instanceof ApiError) || !error.issues) return {};
  return Object.fromEntries(error.issues.map((issue) => [issue.path, `invite.issue.${issue.path}` as MessageKey]));
}

/**
 * An admin's view of the people of one role: everyone (with whether they are
 * active), open invites, and inviting one more. Never anyone's bookings.
 */
export class AdminPeopleManager {
  me = $state<CurrentUser | undefined>(undefined);
  people = $state<ManagedUserView[]>([]);
  pending = $state<InviteView[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  /** The polite live region: what just happened. */
  notice = $state<{ key: MessageKey; name?: string } | undefined>(undefined);
  inviting = $state(false);
  inviteError = $state<MessageKey | undefined>(undefined);
  inviteIssues = $state<Record<string, MessageKey>>({});
  lastInvite = $state<InviteView | undefined>(undefined);
  busy = $state<string | undefined>(undefined);
  /** A deactivation or reactivation that did not go through. */
  actionError = $state<MessageKey | undefined>(undefined);

  constructor(readonly role: InvitedRole) {}

  async load(): Promise<void> {
    try {
      this.me = await api.me();
      if (this.me.role !== 'admin') {
        this.error = 'errors.forbidden';
        return;
      }
      await this.refresh();
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  async refresh(): Promise<void> {
    [this.people, this.pending] = await Promise.all([accountsApi.users(this.role), accountsApi.pendingInvites(this.role)]);
  }

  /** True when the invite went out (the form may clear). */
  async invite(draft: InviteDraft): Promise<boolean> {
    this.inviting = true;
    this.inviteError = undefined;
    this.inviteIssues = {};
    this.notice = undefined;
    try {
      const body: CreateInviteBody = { ...draft, role: this.role };
      this.lastInvite = await accountsApi.createInvite(body);
      this.notice = { key: 'invite.sent', name: this.lastInvite.displayName };
      await this.refresh().catch(() => undefined);
      return true;
    } catch (error) {
      this.inviteIssues = fieldIssues(error);
      this.inviteError = errorKey(error);
      return false;
    } finally {
      this.inviting = false;
    }
  }

  async setActive(person: ManagedUserView, active: boolean): Promise<void> {
    this.busy = person.id;
    this.notice = undefined;
    this.actionError = undefined;
    try {
      const updated = await accountsApi.setActive(person.id, active);
      this.people = this.people.map((p) => (p.id === updated.id ? updated : p));
      this.notice = { key: active ? 'people.reactivated' : 'people.deactivated', name: updated.displayName };
    } catch (error) {
      this.actionError = errorKey(error);
    } finally {
      this.busy = undefined;
    }
  }
}
