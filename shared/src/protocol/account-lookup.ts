import { z } from 'zod';
import { Role } from '../domain.js';
import { Email, InvitedRole, ReportFigure } from './accounts.js';

/*
 * What staff may know of who holds an ASN account: one account at a time,
 * found by its exact address (to resend an invite or deactivate it), and
 * accepted invites as suppressed counts per unit. Never a list of people.
 */

/**
 * POST /api/admin/accounts/lookup. In a body, not the URL: an address in a
 * URL ends up in proxy logs and browser history. Exact match on the
 * normalised address (trimmed, lower case): no patterns, no prefixes.
 */
export const AccountLookupBody = z.strictObject({ email: Email });
export type AccountLookupBody = z.infer<typeof AccountLookupBody>;

/** Where an invite stands: open (can be accepted), expired, or accepted (an account was made from it). */
export const InviteState = z.enum(['open', 'expired', 'accepted']);
export type InviteState = z.infer<typeof InviteState>;

/**
 * An account as a look-up shows it. No id: every action on an ASN account
 * names it by its address again, so no id can be walked through to find
 * accounts nobody asked for by address (ObjectIds are nearly sequential).
 */
export const LookedUpAccount = z.object({
  role: Role,
  agencyUnit: z.string().nullable(),
  active: z.boolean(),
});
export type LookedUpAccount = z.infer<typeof LookedUpAccount>;

export const LookedUpInvite = z.object({
  role: InvitedRole,
  agencyUnit: z.string(),
  state: InviteState,
  expiresAt: z.string(),
  /** Development only: the link of an invite just sent again, for the admin to copy. */
  devLink: z.string().optional(),
});
export type LookedUpInvite = z.infer<typeof LookedUpInvite>;

/** The one result of a look-up: the account, its invite, or both (never a name: the address is what staff asked by). */
export const AccountLookupView = z.object({
  account: LookedUpAccount.nullable(),
  invite: LookedUpInvite.nullable(),
});
export type AccountLookupView = z.infer<typeof AccountLookupView>;

/** POST /api/admin/accounts/active: deactivate or reactivate the account of this exact address. */
export const AccountActiveBody = z.strictObject({ email: Email, active: z.boolean() });
export type AccountActiveBody = z.infer<typeof AccountActiveBody>;

/** POST /api/admin/invites/resend: the open or expired invite of this exact address gets a fresh link (the old one stops working) and a new expiry. */
export const ResendInviteBody = z.strictObject({ email: Email });
export type ResendInviteBody = z.infer<typeof ResendInviteBody>;

/** GET /api/admin/invites/counts: ASN invites by unit, each count suppressed like the report. */
export const InviteCountRow = z.object({
  /** A unit code, or OTHER_UNITS for the units with fewer than k invites, together (its counts withheld if still fewer than k). */
  agencyUnit: z.string(),
  accepted: ReportFigure,
  open: ReportFigure,
  expired: ReportFigure,
});
export type InviteCountRow = z.infer<typeof InviteCountRow>;

export const InviteCountsView = z.object({
  minCount: z.number().int(),
  units: z.array(InviteCountRow),
  /** All units together; a total is null when one of its cells is hidden and the total would narrow it. */
  total: z.object({ accepted: ReportFigure, open: ReportFigure, expired: ReportFigure }),
});
export type InviteCountsView = z.infer<typeof InviteCountsView>;
