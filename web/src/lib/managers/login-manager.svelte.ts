import type { CurrentUser } from '@care/shared';
import { api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';

/** Where a person goes right after signing in: enrolment first when their role needs a second factor. */
export function landingFor(user: CurrentUser): string {
  if (user.totpEnrolmentRequired) return '/account/security';
  return '/appointments';
}

/** Sign-in: the password, then — when the account has a second factor — the code step. */
export class LoginManager {
  step = $state<'password' | 'code'>('password');
  submitting = $state(false);
  error = $state<MessageKey | undefined>(undefined);
  #challenge = '';

  /** Resolves with the signed-in person, or undefined when the code step is next (or it failed). */
  async submitPassword(email: string, password: string): Promise<CurrentUser | undefined> {
    return this.#run(async () => {
      const answer = await api.login({ email, password });
      if ('secondFactor' in answer) {
        this.#challenge = answer.challenge;
        this.step = 'code';
        return undefined;
      }
      return answer;
    });
  }

  async submitCode(code: string): Promise<CurrentUser | undefined> {
    return this.#run(() => api.loginTotp({ challenge: this.#challenge, code: code.trim() }));
  }

  back(): void {
    this.step = 'password';
    this.error = undefined;
    this.#challenge = '';
  }

  async #run(work: () => Promise<CurrentUser | undefined>): Promise<CurrentUser | undefined> {
    this.submitting = true;
    this.error = undefined;
    try {
      return await work();
    } catch (error) {
      this.error = errorKey(error);
      // The challenge has expired: start again from the password.
      if (this.error === 'errors.unauthenticated') this.back();
      return undefined;
    } finally {
      this.submitting = false;
    }
  }
}
