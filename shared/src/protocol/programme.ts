import { z } from 'zod';
import { ObjectIdString } from '../domain.js';
import { ReportFigure } from './accounts.js';
import { Instant, SlotView } from './scheduling.js';

/*
 * REST bodies and answers of the programme around the sessions
 * (/api/programme, issue 13): the session allowance, "my counselor", the
 * counselor's caseload and follow-up proposals. Metadata only — who, when,
 * how many, and reason codes from fixed lists. Never free text.
 */

/** At most this many weeks in one proposed series. */
export const MAX_FOLLOW_UP_WEEKS = 12;
/** At most this many more sessions in one grant. */
export const MAX_SESSIONS_PER_GRANT = 4;

/**
 * A person's allowance in one programme year (the calendar year in WIB, by the
 * session's start): `total` = the programme's `perYear` plus what counselors
 * granted; `used` = sessions booked or held that year (a timely cancellation
 * gives its seat back).
 */
export const AllowanceView = z.object({
  year: z.number().int(),
  perYear: z.number().int(),
  granted: z.number().int(),
  total: z.number().int(),
  used: z.number().int(),
  remaining: z.number().int(),
});
export type AllowanceView = z.infer<typeof AllowanceView>;

/** Why a counselor grants more sessions. A code only: the reason itself stays in the session. */
export const GrantReason = z.enum(['plan_in_progress', 'needs_more_time', 'after_crisis', 'before_referral']);
export type GrantReason = z.infer<typeof GrantReason>;

export const ClientParams = z.strictObject({ clientId: ObjectIdString });
export type ClientParams = z.infer<typeof ClientParams>;

/** POST /caseload/:clientId/grants: more sessions this programme year for one person on the counselor's caseload. */
export const GrantAllowanceBody = z.strictObject({
  reason: GrantReason,
  sessions: z.number().int().min(1).max(MAX_SESSIONS_PER_GRANT),
});
export type GrantAllowanceBody = z.infer<typeof GrantAllowanceBody>;

/** "Konselor saya": the counselor of the ASN's latest session that has begun, their next free times, and the allowance. */
export const MyCounselorView = z.object({
  counselor: z
    .object({
      id: z.string(),
      displayName: z.string(),
      timeZone: z.string(),
      sessionMinutes: z.number(),
      nextSlots: z.array(SlotView),
    })
    .nullable(),
  lastSessionAt: z.string().nullable(),
  /** The next booked session with them, if any. */
  nextSession: z.object({ id: z.string(), startsAt: z.string() }).nullable(),
  allowance: AllowanceView,
});
export type MyCounselorView = z.infer<typeof MyCounselorView>;

/** One person on a counselor's caseload: next and last dates and sessions used; nothing else. */
export const CaseloadEntry = z.object({
  clientId: z.string(),
  displayName: z.string(),
  nextSessionAt: z.string().nullable(),
  lastSessionAt: z.string().nullable(),
  sessionsUsed: z.number().int(),
  sessionsTotal: z.number().int(),
});
export type CaseloadEntry = z.infer<typeof CaseloadEntry>;

export const CaseloadView = z.object({ year: z.number().int(), people: z.array(CaseloadEntry) });
export type CaseloadView = z.infer<typeof CaseloadView>;

/** POST /proposals: one slot (weeks 1) or a series at the same local time every week. */
export const ProposeFollowUpBody = z.strictObject({
  clientId: ObjectIdString,
  startsAt: Instant,
  weeks: z.number().int().min(1).max(MAX_FOLLOW_UP_WEEKS).default(1),
});
export type ProposeFollowUpBody = z.infer<typeof ProposeFollowUpBody>;

export const ProposalParams = z.strictObject({ proposalId: ObjectIdString });
export type ProposalParams = z.infer<typeof ProposalParams>;

export const ProposalState = z.enum(['pending', 'accepted', 'declined', 'expired']);
export type ProposalState = z.infer<typeof ProposalState>;

export const ProposalView = z.object({
  id: z.string(),
  seriesId: z.string(),
  /** 1-based place in its series, and the series' length. */
  week: z.number().int(),
  weeks: z.number().int(),
  startsAt: z.string(),
  endsAt: z.string(),
  state: ProposalState,
  /** The booking an accepted proposal became. */
  bookingId: z.string().nullable(),
  counselor: z.object({ id: z.string(), displayName: z.string() }),
  client: z.object({ id: z.string(), displayName: z.string() }),
});
export type ProposalView = z.infer<typeof ProposalView>;

/** Why one week of a series was not proposed. */
export const ProposalSkip = z.enum(['too_soon', 'beyond_horizon', 'outside_availability', 'slot_taken', 'day_full', 'already_proposed']);
export type ProposalSkip = z.infer<typeof ProposalSkip>;

export const ProposeFollowUpResult = z.object({
  proposals: z.array(ProposalView),
  skipped: z.array(z.object({ startsAt: z.string(), reason: ProposalSkip })),
});
export type ProposeFollowUpResult = z.infer<typeof ProposeFollowUpResult>;

export const AcceptProposalResult = z.object({ proposal: ProposalView, allowance: AllowanceView });
export type AcceptProposalResult = z.infer<typeof AcceptProposalResult>;

/** GET /api/admin/reports/allowance?year=: allowance use in one programme year, for staff. */
export const AllowanceCountsQuery = z.strictObject({ year: z.coerce.number().int().min(2020).max(2100) });
export type AllowanceCountsQuery = z.infer<typeof AllowanceCountsQuery>;

/** How much of their allowance people used: some of it (1..N−1 sessions), all of it (N), more (after a grant). */
export const allowanceBands = ['some', 'all', 'beyond'] as const;
export type AllowanceBand = (typeof allowanceBands)[number];

export const AllowanceCountRow = z.object({
  agencyUnit: z.string(),
  people: z.object({ some: ReportFigure, all: ReportFigure, beyond: ReportFigure }),
  grants: ReportFigure,
});
export type AllowanceCountRow = z.infer<typeof AllowanceCountRow>;

/**
 * Counts only, suppressed like the report (k, small units merged, totals
 * withheld when they would narrow a hidden cell), and only of sessions and
 * grants before the end of the year's last closed month (`through`; null
 * when none is closed yet), so two requests a day apart tell nothing more.
 */
export const AllowanceCountsView = z.object({
  year: z.number().int(),
  perYear: z.number().int(),
  through: z.string().nullable(),
  minCount: z.number().int(),
  units: z.array(AllowanceCountRow),
  total: z.object({ people: z.object({ some: ReportFigure, all: ReportFigure, beyond: ReportFigure }), grants: ReportFigure }),
});
export type AllowanceCountsView = z.infer<typeof AllowanceCountsView>;
