import { z } from 'zod';
import { Locale, Role } from '../domain.js';
import { TimeZoneName } from '../scheduling/time-zones.js';

export const LoginBody = z.strictObject({
  email: z.string().trim().toLowerCase().email('must be an email address').max(254),
  password: z.string().min(1, 'is required').max(200),
});
export type LoginBody = z.infer<typeof LoginBody>;

/** Accepting the confidentiality terms: nothing but the explicit yes. */
export const ConsentBody = z.strictObject({ accepted: z.literal(true, { message: 'must be true' }) });
export type ConsentBody = z.infer<typeof ConsentBody>;

/** The language the person reads the app in, which their email and reminders then use too. */
export const SetLocaleBody = z.strictObject({ locale: Locale });
export type SetLocaleBody = z.infer<typeof SetLocaleBody>;

/** The zone the person lives in (WIB, WITA, WIT, or any IANA zone): every time they see, and their email and calendar files, use it. */
export const SetTimeZoneBody = z.strictObject({ timeZone: TimeZoneName });
export type SetTimeZoneBody = z.infer<typeof SetTimeZoneBody>;

export const CurrentUser = z.object({
  id: z.string(),
  displayName: z.string(),
  role: Role,
  timeZone: z.string(),
  locale: Locale,
  /** When this person accepted the confidentiality terms (clients, once); null before. */
  consentAcceptedAt: z.string().nullable(),
  /** The deployment requires a second factor for this role and none is set up yet: only enrolment works until it is. */
  totpEnrolmentRequired: z.boolean(),
});
export type CurrentUser = z.infer<typeof CurrentUser>;

/** The session's CSRF token: sent back as the X-CSRF-Token header on every state-changing call. */
export const CsrfTokenView = z.object({ token: z.string() });
export type CsrfTokenView = z.infer<typeof CsrfTokenView>;

/**
 * Why the server ended a live connection's sign-in (`session:ended`, sent
 * just before it disconnects): `renewed` means the same browser now holds a
 * new cookie and may connect again at once; every other reason means signing
 * in again.
 */
export const SessionEndReason = z.enum(['signed_out', 'expired', 'renewed', 'password_changed', 'deactivated']);
export type SessionEndReason = z.infer<typeof SessionEndReason>;
export const SessionEnded = z.object({ reason: SessionEndReason });
export type SessionEnded = z.infer<typeof SessionEnded>;

/**
 * The state-changing calls made without a session (signing in, accepting an
 * invite, the password reset), which therefore carry no CSRF token; the
 * Origin check still holds for them. Paths under /api.
 */
export const sessionlessApiPaths = [
  '/auth/login',
  '/auth/login/totp',
  '/invites/accept',
  '/auth/password-reset',
  '/auth/password-reset/check',
  '/auth/password-reset/complete',
] as const;
