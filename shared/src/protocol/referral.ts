import { z } from 'zod';
import { ObjectIdString } from '../domain.js';
import { AgencyUnit, Email } from './accounts.js';

/*
 * Referral by management, with consent (/api/referrals, issue 13 §5). Staff
 * record that a unit referred someone, by address and a reason code; the ASN
 * decides whether to take it up and, separately, whether "attended: yes/no"
 * may be reported. Codes only, never free text.
 */

export const ReferralReason = z.enum(['performance', 'conduct', 'wellbeing']);
export type ReferralReason = z.infer<typeof ReferralReason>;

/** POST /api/referrals (staff). */
export const CreateReferralBody = z.strictObject({ email: Email, reason: ReferralReason, referringUnit: AgencyUnit });
export type CreateReferralBody = z.input<typeof CreateReferralBody>;

export const ReferralParams = z.strictObject({ referralId: ObjectIdString });
export type ReferralParams = z.infer<typeof ReferralParams>;

/** POST /api/referrals/:id/accept (the ASN): take it up, and whether attendance may be reported. */
export const AcceptReferralBody = z.strictObject({ reportAttendance: z.boolean() });
export type AcceptReferralBody = z.infer<typeof AcceptReferralBody>;

/** POST /api/referrals/:id/attendance-consent (the ASN): give or withdraw the attendance consent of a referral taken up. */
export const AttendanceConsentBody = z.strictObject({ consent: z.boolean() });
export type AttendanceConsentBody = z.infer<typeof AttendanceConsentBody>;

/**
 * What staff see of a referral: sent ("invited" — also when the person
 * declined, has no account or has not answered: staff cannot tell these
 * apart), taken up, or withdrawn; and attended yes/no only while the person
 * allows it (otherwise null).
 */
export const ReferralStaffState = z.enum(['invited', 'accepted', 'withdrawn']);
export type ReferralStaffState = z.infer<typeof ReferralStaffState>;

export const ReferralStaffView = z.object({
  id: z.string(),
  email: z.string(),
  reason: ReferralReason,
  referringUnit: z.string(),
  referredAt: z.string(),
  state: ReferralStaffState,
  attended: z.boolean().nullable(),
});
export type ReferralStaffView = z.infer<typeof ReferralStaffView>;

/** The ASN's own answer so far. */
export const ReferralAnswer = z.enum(['none', 'accepted', 'declined', 'withdrawn']);
export type ReferralAnswer = z.infer<typeof ReferralAnswer>;

/** One recorded consent decision, with its time: the person's own history. */
export const ReferralConsentEvent = z.object({ answer: ReferralAnswer.exclude(['none']), reportAttendance: z.boolean(), at: z.string() });
export type ReferralConsentEvent = z.infer<typeof ReferralConsentEvent>;

export const ReferralAsnView = z.object({
  id: z.string(),
  reason: ReferralReason,
  referringUnit: z.string(),
  referredAt: z.string(),
  answer: ReferralAnswer,
  reportAttendance: z.boolean(),
  history: z.array(ReferralConsentEvent),
});
export type ReferralAsnView = z.infer<typeof ReferralAsnView>;

/** At most this many consent decisions on one referral (an honest person makes a handful). */
export const MAX_REFERRAL_DECISIONS = 20;
