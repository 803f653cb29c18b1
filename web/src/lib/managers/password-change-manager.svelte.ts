import { passwordApi } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { newPasswordProblem } from './new-password.js';
import { errorKey } from './schedule-format.js';

export interface PasswordChangeIssues {
  current?: MessageKey;
  next?: MessageKey;
  repeat?: MessageKey;
}

/**
 * Changing one's own password (on Account security). The server ends every
 * other sign-in; this one goes on under a new cookie, so nothing here has to
 * sign in again. Problems are shown beside their field.
 */
export class PasswordChangeManager {
  working = $state(false);
  issues = $state<PasswordChangeIssues>({});
  error = $state<MessageKey | undefined>(undefined);
  notice = $state<MessageKey | undefined>(undefined);

  /** True when the password was changed (the page then clears the form). */
  async change(current: string, next: string, repeat: string): Promise<boolean> {
    this.issues = {};
    this.error = undefined;
    this.notice = undefined;
    const problem = newPasswordProblem(next, repeat);
    if (!current) this.issues = { current: 'errors.invalid_payload' };
    else if (next === current) this.issues = { next: 'password.same' };
    else if (problem) this.issues = problem;
    if (Object.keys(this.issues).length > 0) return false;
    this.working = true;
    try {
      await passwordApi.change({ currentPassword: current, newPassword: next });
      this.notice = 'password.changed';
      return true;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'invalid_credentials') this.issues = { current: 'password.wrongCurrent' };
      else if (error instanceof ApiError && error.issues?.some((i) => i.path === 'newPassword')) this.issues = { next: 'invite.passwordRule' };
      else this.error = errorKey(error);
      return false;
    } finally {
      this.working = false;
    }
  }
}
