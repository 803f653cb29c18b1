import { z } from 'zod';
import { OutcomeChange } from './programme-report.js';

/*
 * Check-ins (issue 13 §4). The questionnaires are filled in and scored on the
 * ASN's device; what travels is only what the person chooses to send:
 * - one result, to their counselor, inside an MLS application message;
 * - a counselor's suggestion to fill in PHQ-9 or GAD-7, the same way;
 * - at the end of a cycle, opt-in, a change category to the programme
 *   evaluation (POST /api/programme/evaluation), with no account id.
 */

export const INSTRUMENTS = ['who5', 'phq9', 'gad7'] as const;
export const Instrument = z.enum(INSTRUMENTS);
export type Instrument = z.infer<typeof Instrument>;

/** The instruments a counselor may suggest: WHO-5 is offered to everyone on its own schedule. */
export const SuggestedInstrument = z.enum(['phq9', 'gad7']);
export type SuggestedInstrument = z.infer<typeof SuggestedInstrument>;

/** The score each instrument reports: WHO-5 as a percentage (raw × 4), PHQ-9 and GAD-7 as the raw sum. */
export const SCORE_RANGE: Record<Instrument, { max: number; step: number }> = {
  who5: { max: 100, step: 4 },
  phq9: { max: 27, step: 1 },
  gad7: { max: 21, step: 1 },
};

const calendarDate = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/, 'must be a date YYYY-MM-DD');

/**
 * One check-in result the ASN chose to show their counselor in a session:
 * the score and the day, never the answers. For PHQ-9 the answer to item 9
 * (thoughts of self-harm) travels too, since it is what a counselor must
 * see first; the sharing step says so.
 */
export const CheckinResultPayload = z
  .strictObject({
    kind: z.literal('checkin-result'),
    id: z.string().uuid('must be a UUID'),
    instrument: Instrument,
    score: z.number().int('must be a whole number').min(0, 'must be at least 0'),
    takenOn: calendarDate,
    selfHarmItem: z.number().int().min(0).max(3).optional(),
  })
  .superRefine((result, ctx) => {
    const range = SCORE_RANGE[result.instrument];
    if (result.score > range.max || result.score % range.step !== 0) {
      ctx.addIssue({ code: 'custom', path: ['score'], message: `is not a ${result.instrument} score` });
    }
    if ((result.selfHarmItem !== undefined) !== (result.instrument === 'phq9')) {
      ctx.addIssue({ code: 'custom', path: ['selfHarmItem'], message: 'goes with a PHQ-9 result, and only with one' });
    }
  });
export type CheckinResultPayload = z.infer<typeof CheckinResultPayload>;

/** The counselor suggests a questionnaire; the ASN's device offers it from then on. */
export const CheckinSuggestionPayload = z.strictObject({
  kind: z.literal('checkin-suggestion'),
  id: z.string().uuid('must be a UUID'),
  instrument: SuggestedInstrument,
});
export type CheckinSuggestionPayload = z.infer<typeof CheckinSuggestionPayload>;

/** One category, the same the report counts (programme-report.ts). */
export const ChangeCategory = OutcomeChange;
export type ChangeCategory = OutcomeChange;
export const CHANGE_CATEGORIES = OutcomeChange.options;

/**
 * POST /api/programme/evaluation: only the category. The unit (the
 * account's own) and the month are the server's, so a device cannot claim
 * another unit or month; the cycle is the programme year.
 */
export const ContributeEvaluationBody = z.strictObject({ change: ChangeCategory });
export type ContributeEvaluationBody = z.infer<typeof ContributeEvaluationBody>;

export const EvaluationContributionView = z.strictObject({
  /** The month recorded, YYYY-MM. */
  month: z.string(),
  /** The programme year this person's one contribution is counted in. */
  cycle: z.number().int(),
});
export type EvaluationContributionView = z.infer<typeof EvaluationContributionView>;
