import type { CurrentUser, InviteCountsView } from '@care/shared';
import { accountsApi } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { loadAdminPage } from './admin-page-load.js';
import { InviteSubmission, type InviteDraft } from './invite-submission.svelte.js';
import { errorKey } from './schedule-format.js';

/**
 * Inviting ASN, and where the invites stand as counts per unit (accepted,
 * open, expired; small counts shown as "<k" by the server). No list of the
 * people invited or of who accepted: the list would shrink as people accept.
 */
export class AsnInvitesManager {
  me = $state<CurrentUser | undefined>(undefined);
  counts = $state<InviteCountsView | undefined>(undefined);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  countsError = $state<MessageKey | undefined>(undefined);
  /** The polite live region: what just happened. */
  notice = $state<{ key: MessageKey; name?: string } | undefined>(undefined);
  readonly invites = new InviteSubmission('asn');

  load(): Promise<void> {
    return loadAdminPage(this, () => this.refreshCounts());
  }

  async refreshCounts(): Promise<void> {
    this.countsError = undefined;
    try {
      this.counts = await accountsApi.inviteCounts();
    } catch (error) {
      this.countsError = errorKey(error);
    }
  }

  /** True when the invite went out (the form may clear). */
  async invite(draft: InviteDraft): Promise<boolean> {
    this.notice = undefined;
    const sent = await this.invites.send(draft);
    if (!sent) return false;
    this.notice = { key: 'invite.sent', name: sent.displayName };
    await this.refreshCounts();
    return true;
  }
}
