import type { InviteLookupView } from '@care/shared';
import { accountsApi } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/** The invitee's page: check the link, set a password (and the name to be called by), then sign in. */
export class InviteAcceptManager {
  invite = $state<InviteLookupView | undefined>(undefined);
  loading = $state(true);
  /** Why the link cannot be used (expired, used, unknown). */
  linkProblem = $state<MessageKey | undefined>(undefined);
  error = $state<MessageKey | undefined>(undefined);
  issues = $state<Record<string, string>>({});
  submitting = $state(false);
  done = $state(false);

  constructor(private readonly token: string) {}

  async load(): Promise<void> {
    try {
      this.invite = await accountsApi.invite(this.token);
    } catch (error) {
      this.linkProblem = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  async accept(displayName: string, password: string, repeat: string): Promise<void> {
    this.error = undefined;
    this.issues = {};
    if (password !== repeat) {
      this.issues = { repeat: 'invite.mismatch' };
      return;
    }
    this.submitting = true;
    try {
      await accountsApi.acceptInvite({ token: this.token, password, ...(displayName.trim() ? { displayName: displayName.trim() } : {}) });
      this.done = true;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_payload' && error.issues?.length) {
        this.issues = Object.fromEntries(error.issues.map((issue) => [issue.path, issue.path === 'password' ? 'invite.passwordRule' : 'errors.invalid_payload']));
      } else if (error instanceof ApiError && ['invite_used', 'invite_expired', 'invite_invalid'].includes(error.code)) {
        this.linkProblem = errorKey(error);
      } else {
        this.error = errorKey(error);
      }
    } finally {
      this.submitting = false;
    }
  }
}
