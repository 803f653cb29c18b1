import { z } from 'zod';
import { MonthString, ReportFigure } from './accounts.js';
import { FeedbackChip } from './feedback.js';

/*
 * The programme's lines of the employer-blind report (issue 13 §9):
 * GET /api/admin/reports/programme?year=. Counts only, suppressed as the rest
 * of the report — k, small units merged, totals withheld when they would
 * narrow a hidden cell, closed months only.
 */

export const ProgrammeReportQuery = z.strictObject({ year: z.coerce.number().int().min(2020).max(2100) });
export type ProgrammeReportQuery = z.infer<typeof ProgrammeReportQuery>;

/**
 * The change category a device contributes at the end of a cycle (issue 13
 * §4), stored in `evaluation_contributions` as {unit, month, change}.
 */
export const OutcomeChange = z.enum(['improved', 'same', 'worse']);
export type OutcomeChange = z.infer<typeof OutcomeChange>;

/** Referral funnel of a month, by the referring unit: referrals made, taken up, attended (with consent), withdrawn — each counted in the month it happened. */
export const referralStages = ['referred', 'accepted', 'attended', 'withdrawn'] as const;
export type ReferralStage = (typeof referralStages)[number];

const figures = <K extends string>(keys: readonly K[]) => z.object(Object.fromEntries(keys.map((key) => [key, ReportFigure])) as Record<K, typeof ReportFigure>);

export const ReferralFunnelFigures = figures(referralStages);
export const OutcomeFigures = figures(OutcomeChange.options);

export const ReferralFunnelMonth = z.object({
  month: MonthString,
  units: z.array(ReferralFunnelFigures.extend({ agencyUnit: z.string() })),
  total: ReferralFunnelFigures,
});
export type ReferralFunnelMonth = z.infer<typeof ReferralFunnelMonth>;

export const OutcomeMonth = z.object({
  month: MonthString,
  units: z.array(OutcomeFigures.extend({ agencyUnit: z.string() })),
  total: OutcomeFigures,
});
export type OutcomeMonth = z.infer<typeof OutcomeMonth>;

export const feedbackRatings = ['1', '2', '3', '4', '5'] as const;
export const FeedbackMonth = z.object({
  month: MonthString,
  /** Sessions rated 1..5; the total withheld when it would narrow a hidden one. */
  ratings: figures(feedbackRatings),
  rated: ReportFigure,
  /** How often each chip was chosen, each suppressed on its own (a rating may carry several). */
  chips: z.object(Object.fromEntries(FeedbackChip.options.map((chip) => [chip, ReportFigure])) as Record<FeedbackChip, typeof ReportFigure>),
});
export type FeedbackMonth = z.infer<typeof FeedbackMonth>;

/** Accompaniment length: people by the number of sessions they held in the year so far. */
export const accompanimentBands = ['1', '2', '3-4', '5-8', '9+'] as const;
export type AccompanimentBand = (typeof accompanimentBands)[number];

export const ProgrammeReportView = z.object({
  year: z.number().int(),
  /** The year's last closed month; null when none has closed. Only what happened before its end is counted. */
  through: MonthString.nullable(),
  minCount: z.number().int(),
  referrals: z.array(ReferralFunnelMonth),
  outcomes: z.array(OutcomeMonth),
  feedback: z.array(FeedbackMonth),
  accompaniment: z.object({ people: figures(accompanimentBands), total: ReportFigure }),
});
export type ProgrammeReportView = z.infer<typeof ProgrammeReportView>;
