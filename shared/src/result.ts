import { z } from 'zod';

/**
 * Every error a client can be told about. Anything else that goes wrong is
 * reported as `internal`, so server internals never reach a client.
 */
export const errorCodes = [
  'invalid_payload',
  'invalid_credentials',
  'unauthenticated',
  'forbidden',
  'not_found',
  'not_admitted',
  'not_in_room',
  'room_full',
  'stale_epoch',
  'room_locked',
  'removed',
  'session_ended',
  'rate_limited',
  'unavailable',
  'internal',
  // Scheduling (issue 3).
  'slot_taken',
  'already_booked',
  'outside_availability',
  'too_soon',
  'beyond_horizon',
  'day_full',
  'past_cutoff',
  'conflict',
  // Circles.
  'circle_closed',
  // Accounts (issue 3).
  'csrf_invalid',
  'invite_invalid',
  'invite_expired',
  'invite_used',
  'already_exists',
  'totp_required',
  'totp_invalid',
  'totp_enrolment_required',
  'account_inactive',
  // Trust under attack (issue 12).
  'not_committer',
  // Trust under attack (issue 12): sessions — a password-reset link unknown, expired or already used.
  'reset_invalid',
  'reset_expired',
  'reset_used',
  // Trust under attack (issue 12): administrators.
  'last_admin',
  // The programme around the sessions (issue 13): every session of the year's allowance is held.
  'allowance_used',
  // Check-ins (issue 13 §4): this person's change category for the cycle is counted already.
  'already_contributed',
  // Outgrowing one machine (issue 14): the session is served by another signal node; the page connects again.
  'wrong_node',
] as const;

export const ErrorCode = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof ErrorCode>;

export interface ValidationIssue {
  /** Dotted path of the offending field, '' for the payload itself. */
  path: string;
  message: string;
}

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  issues?: ValidationIssue[];
}

/** An error body as it crosses the wire: what a client checks a server's refusal against before believing it. */
export const ErrorBodySchema = z.object({
  code: ErrorCode,
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

/** The answer to every Socket.IO request and the body of every REST error. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

export function ok<T>(data: T): Ack<T> {
  return { ok: true, data };
}

export function fail(code: ErrorCode, message: string, issues?: ValidationIssue[]): Ack<never> {
  return { ok: false, error: issues ? { code, message, issues } : { code, message } };
}

/** Turns a zod failure into issues a person (and a program) can act on. */
export function toValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

export function describeIssues(issues: ValidationIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ');
}
