import { passwordApi } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { newPasswordProblem } from './new-password.js';
import { errorKey } from './schedule-format.js';

const linkCodes = new Set(['reset_invalid', 'reset_expired', 'reset_used']);

/** The page of an emailed reset link: is the link still good, then the new password; the person signs in afterwards. */
export class ResetPasswordManager {
  loading = $state(true);
  /** Why the link cannot be used (unknown, expired, used). */
  linkProblem = $state<MessageKey | undefined>(undefined);
  issues = $state<{ next?: MessageKey; repeat?: MessageKey }>({});
  error = $state<MessageKey | undefined>(undefined);
  submitting = $state(false);
  done = $state(false);

  constructor(private readonly token: string) {}

  async load(): Promise<void> {
    try {
      await passwordApi.checkReset(this.token);
    } catch (error) {
      this.#problem(error);
    } finally {
      this.loading = false;
    }
  }

  async submit(password: string, repeat: string): Promise<void> {
    this.error = undefined;
    this.issues = newPasswordProblem(password, repeat) ?? {};
    if (Object.keys(this.issues).length > 0) return;
    this.submitting = true;
    try {
      await passwordApi.completeReset({ token: this.token, newPassword: password });
      this.done = true;
    } catch (error) {
      if (error instanceof ApiError && error.issues?.some((i) => i.path === 'newPassword')) this.issues = { next: 'invite.passwordRule' };
      else this.#problem(error);
    } finally {
      this.submitting = false;
    }
  }

  #problem(error: unknown): void {
    if (error instanceof ApiError && (linkCodes.has(error.code) || error.code === 'invalid_payload')) {
      this.linkProblem = error.code === 'invalid_payload' ? 'errors.reset_invalid' : errorKey(error);
    } else {
      this.error = errorKey(error);
    }
  }
}
