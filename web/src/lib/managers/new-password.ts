import type { MessageKey } from '../i18n/i18n.svelte.js';

/** The server's rule for a new password (shared `NewPassword`), as the forms say it. */
export const NEW_PASSWORD_MIN = 10;

/** What is wrong with a new password and its repetition before anything is sent, by field; undefined when nothing is. */
export function newPasswordProblem(password: string, repeat: string): { next: MessageKey } | { repeat: MessageKey } | undefined {
  if (password.length < NEW_PASSWORD_MIN) return { next: 'invite.passwordRule' };
  if (password !== repeat) return { repeat: 'invite.mismatch' };
  return undefined;
}
