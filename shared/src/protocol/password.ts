import { z } from 'zod';
import { Email, NewPassword } from './accounts.js';

/*
 * Passwords: changing one's own while signed in, and resetting a forgotten
 * one through an emailed single-use link. New passwords follow the same rule
 * as accepting an invite (`NewPassword`).
 */

/** POST /api/auth/password (signed in): ends every other sign-in; this one goes on under a new cookie. */
export const ChangePasswordBody = z.strictObject({
  currentPassword: z.string().min(1, 'is required').max(200),
  newPassword: NewPassword,
});
export type ChangePasswordBody = z.infer<typeof ChangePasswordBody>;

/** POST /api/auth/password-reset: the same answer whether or not the address has an account. */
export const PasswordResetRequestBody = z.strictObject({ email: Email });
export type PasswordResetRequestBody = z.infer<typeof PasswordResetRequestBody>;

/** The token at the end of a reset link: 32 random bytes, base64url. */
export const PasswordResetToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a reset link');

/** POST /api/auth/password-reset/check: is this link still usable (before asking for a new password)? */
export const PasswordResetCheckBody = z.strictObject({ token: PasswordResetToken });
export type PasswordResetCheckBody = z.infer<typeof PasswordResetCheckBody>;
export const PasswordResetLinkView = z.object({ expiresAt: z.string() });
export type PasswordResetLinkView = z.infer<typeof PasswordResetLinkView>;

/** POST /api/auth/password-reset/complete: sets the password and ends every sign-in of the account. */
export const CompletePasswordResetBody = z.strictObject({ token: PasswordResetToken, newPassword: NewPassword });
export type CompletePasswordResetBody = z.infer<typeof CompletePasswordResetBody>;
