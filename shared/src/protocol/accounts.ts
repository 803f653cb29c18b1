import { z } from 'zod';
import { ObjectIdString, Role } from '../domain.js';
import { CurrentUser } from './auth.js';

/*
 * Accounts administration: invites (single and CSV), counselor management,
 * the TOTP second factor, and the employer-blind report. Metadata only.
 */

/** An agency unit's short code ("DINKES", "BKD-2"): metadata for reporting by unit. */
export const AgencyUnit = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9][A-Z0-9_-]{0,31}$/, 'must be a unit code of 1–32 letters, digits, - or _');
export type AgencyUnit = z.infer<typeof AgencyUnit>;

export const Email = z.string().trim().toLowerCase().email('must be an email address').max(254);
export const DisplayName = z.string().trim().min(1, 'is required').max(120, 'must be at most 120 characters');
/** New passwords: long enough to resist guessing, short enough for argon2 to stay cheap. */
export const NewPassword = z.string().min(10, 'must be at least 10 characters').max(200, 'must be at most 200 characters');

export const InvitedRole = z.enum(['asn', 'counselor']);
export type InvitedRole = z.infer<typeof InvitedRole>;

/** POST /api/admin/invites: one person. */
export const CreateInviteBody = z.strictObject({
  email: Email,
  displayName: DisplayName,
  agencyUnit: AgencyUnit,
  role: InvitedRole.default('asn'),
});
export type CreateInviteBody = z.input<typeof CreateInviteBody>;

export const InviteView = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  agencyUnit: z.string(),
  role: InvitedRole,
  expiresAt: z.string(),
  /** Development only: the link itself, for the admin to copy (production sends it by email and never shows it). */
  devLink: z.string().optional(),
});
export type InviteView = z.infer<typeof InviteView>;

export const MAX_CSV_ROWS = 1000;

/** POST /api/admin/invites/csv: the file's text; header row `email,displayName,agencyUnit` (role: asn). */
export const CsvInviteBody = z.strictObject({ csv: z.string().min(1, 'is empty').max(256_000, 'is too large (256 kB at most)') });
export type CsvInviteBody = z.infer<typeof CsvInviteBody>;

export const CsvSkipReason = z.enum(['invalid_row', 'invalid_email', 'invalid_name', 'invalid_unit', 'duplicate_in_file', 'already_exists', 'delivery_failed']);
export type CsvSkipReason = z.infer<typeof CsvSkipReason>;

export const CsvRowResult = z.discriminatedUnion('status', [
  z.object({ line: z.number(), status: z.literal('invited'), email: z.string(), invite: InviteView }),
  z.object({ line: z.number(), status: z.literal('skipped'), email: z.string().nullable(), reason: CsvSkipReason }),
]);
export type CsvRowResult = z.infer<typeof CsvRowResult>;

export const CsvInviteReport = z.object({
  invited: z.number(),
  skipped: z.number(),
  rows: z.array(CsvRowResult),
});
export type CsvInviteReport = z.infer<typeof CsvInviteReport>;

/** The invite link's token: 32 random bytes, base64url. */
export const InviteToken = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not an invite token');
export const InviteParams = z.strictObject({ token: InviteToken });

/** GET /api/invites/:token: what the invitee sees before setting a password. */
export const InviteLookupView = z.object({ email: z.string(), displayName: z.string(), role: InvitedRole, expiresAt: z.string() });
export type InviteLookupView = z.infer<typeof InviteLookupView>;

/** POST /api/invites/accept */
export const AcceptInviteBody = z.strictObject({ token: InviteToken, password: NewPassword, displayName: DisplayName.optional() });
export type AcceptInviteBody = z.infer<typeof AcceptInviteBody>;
export const AcceptedInviteView = z.object({ email: z.string(), role: InvitedRole });
export type AcceptedInviteView = z.infer<typeof AcceptedInviteView>;

/**
 * GET /api/admin/users?role=counselor|admin: staff only. There is no list of
 * ASN accounts: staff find one by its exact address (AccountLookupBody).
 */
export const StaffRole = z.enum(['counselor', 'admin']);
export type StaffRole = z.infer<typeof StaffRole>;
export const UserListQuery = z.strictObject({ role: StaffRole.default('counselor') });
/** GET /api/admin/invites?role=counselor: open invites of staff (ASN invites are counted, never listed). */
export const PendingInviteQuery = z.strictObject({ role: z.literal('counselor', { message: 'only counselor invites are listed' }).default('counselor') });
export const ManagedUserView = z.object({
  id: z.string(),
  displayName: z.string(),
  email: z.string(),
  role: Role,
  agencyUnit: z.string().nullable(),
  active: z.boolean(),
});
export type ManagedUserView = z.infer<typeof ManagedUserView>;
export const UserParams = z.strictObject({ userId: ObjectIdString });
/** POST /api/admin/users/:userId/active */
export const SetActiveBody = z.strictObject({ active: z.boolean() });
export type SetActiveBody = z.infer<typeof SetActiveBody>;

// ---- TOTP second factor -------------------------------------------------------

export const TotpCode = z.string().trim().regex(/^\d{6}$/, 'must be the 6-digit code');
/** A one-time recovery code, as shown: 5 + 5 characters. */
export const RecoveryCode = z.string().trim().toLowerCase().regex(/^[a-z0-9]{5}-[a-z0-9]{5}$/, 'must be a recovery code like abcde-12345');
export const SecondFactorCode = z.union([TotpCode, RecoveryCode], { message: 'must be the 6-digit code or a recovery code' });

/** The answer to a correct password when the account has a second factor. */
export const TotpChallengeView = z.object({ secondFactor: z.literal('totp'), challenge: z.string() });
export type TotpChallengeView = z.infer<typeof TotpChallengeView>;
export const LoginAnswer = z.union([CurrentUser, TotpChallengeView]);
export type LoginAnswer = z.infer<typeof LoginAnswer>;

/** POST /api/auth/login/totp */
export const TotpLoginBody = z.strictObject({ challenge: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'is not a sign-in challenge'), code: SecondFactorCode });
export type TotpLoginBody = z.infer<typeof TotpLoginBody>;

export const SecurityView = z.object({ totpEnabled: z.boolean(), totpRequired: z.boolean(), recoveryCodesLeft: z.number() });
export type SecurityView = z.infer<typeof SecurityView>;
/** POST /api/account/totp/setup: a fresh secret to scan; stored only once confirmed. */
export const TotpSetupView = z.object({ secret: z.string(), otpauthUri: z.string(), qrSvg: z.string() });
export type TotpSetupView = z.infer<typeof TotpSetupView>;
export const TotpConfirmBody = z.strictObject({ code: TotpCode });
export type TotpConfirmBody = z.infer<typeof TotpConfirmBody>;
/** Shown once; only their hashes are kept. */
export const RecoveryCodesView = z.object({ recoveryCodes: z.array(z.string()) });
export type RecoveryCodesView = z.infer<typeof RecoveryCodesView>;
export const TotpDisableBody = z.strictObject({ code: SecondFactorCode });

// ---- Employer-blind report --------------------------------------------------

export const MonthString = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month like 2026-03');
export const ReportQuery = z
  .strictObject({ from: MonthString, to: MonthString })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] })
  .refine((q) => monthsBetween(q.from, q.to) <= 24, { message: 'at most 24 months at a time', path: ['to'] });
export type ReportQuery = z.infer<typeof ReportQuery>;

function monthsBetween(from: string, to: string): number {
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm) + 1;
}

/**
 * A count as it leaves the server: exact, or `<k` for 1 to k−1 (k is the
 * deployment's REPORT_MIN_COUNT, at least 5), suppressed server-side.
 */
export const SuppressedCount = z.union([z.number().int().nonnegative(), z.templateLiteral(['<', z.number().int().positive()])]);
export type SuppressedCount = z.infer<typeof SuppressedCount>;
/** A report figure: a count, or null when it is withheld so that it cannot give a hidden count back. */
export const ReportFigure = SuppressedCount.nullable();
export type ReportFigure = z.infer<typeof ReportFigure>;

/** A unit column of the report: a unit code, NO_UNIT, or OTHER_UNITS (the units too small to stand alone, together). */
export const NO_UNIT = '—';
export const OTHER_UNITS = 'other';

export const ReportRow = z.object({
  month: MonthString,
  /** The clients' unit code; NO_UNIT for clients without one; OTHER_UNITS for the small units together. */
  agencyUnit: z.string(),
  sessionsHeld: ReportFigure,
  noShows: ReportFigure,
  cancellations: ReportFigure,
  /** Support circle meetings attended: one per person and meeting, by the meeting's month and the attendee's unit. */
  circleAttendance: ReportFigure,
});
export type ReportRow = z.infer<typeof ReportRow>;

export const UtilisationRow = z.object({
  month: MonthString,
  /**
   * Booked minutes over available minutes of all counselors together, 0–1;
   * null when nobody was available, or when it would give a hidden count back
   * (it tells how many sessions were booked that month).
   */
  utilisation: z.number().nullable(),
  /** Counselors with availability that month (staff, not clients: exact). */
  counselors: z.number().int().nonnegative(),
});
export type UtilisationRow = z.infer<typeof UtilisationRow>;

export const ReportView = z.object({
  from: MonthString,
  to: MonthString,
  /** k: counts from 1 to k−1 are shown as `<k`. */
  minCount: z.number().int(),
  /** The months of the range that have closed, and so are shown. */
  months: z.array(MonthString),
  /** The months of the range that have not closed yet: nothing of them is shown (a running month changes daily). */
  notYetClosed: z.array(MonthString),
  rows: z.array(ReportRow),
  /**
   * Per month, all units together. A total is null ("withheld") when it would
   * narrow a hidden cell (complementary suppression).
   */
  totals: z.array(
    z.object({
      month: MonthString,
      sessionsHeld: ReportFigure,
      noShows: ReportFigure,
      cancellations: ReportFigure,
      circleAttendance: ReportFigure,
    }),
  ),
  utilisation: z.array(UtilisationRow),
});
export type ReportView = z.infer<typeof ReportView>;
