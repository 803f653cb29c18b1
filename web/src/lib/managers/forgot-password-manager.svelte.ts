import { passwordApi } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/**
 * Asking for a reset link. The server answers the same whether or not the
 * address has an account, so the page does too: "if it is registered, a
 * link is on its way".
 */
export class ForgotPasswordManager {
  submitting = $state(false);
  /** The address the answer was for, once it came. */
  sentTo = $state<string | undefined>(undefined);
  emailIssue = $state<MessageKey | undefined>(undefined);
  error = $state<MessageKey | undefined>(undefined);

  async submit(email: string): Promise<void> {
    this.error = undefined;
    this.emailIssue = undefined;
    const trimmed = email.trim();
    if (!trimmed.includes('@')) {
      this.emailIssue = 'invite.issue.email';
      return;
    }
    this.submitting = true;
    try {
      await passwordApi.requestReset(trimmed);
      this.sentTo = trimmed;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_payload') this.emailIssue = 'invite.issue.email';
      else this.error = errorKey(error);
    } finally {
      this.submitting = false;
    }
  }
}
