import { z } from 'zod';
import { ObjectIdString } from '../domain.js';

/*
 * Session feedback (POST /api/feedback, issue 13 §8): a rating 1–5 and chips
 * from a fixed list, never free text. Stored with no account and no session,
 * only the month; reported as suppressed counts.
 */

export const FeedbackChip = z.enum(['felt_heard', 'felt_safe', 'helpful', 'clear_next_steps', 'too_short', 'connection_problems', 'hard_to_talk']);
export type FeedbackChip = z.infer<typeof FeedbackChip>;
export const feedbackChips = FeedbackChip.options;

export const FeedbackRating = z.number().int().min(1).max(5);

export const FeedbackBody = z.strictObject({
  appointmentId: ObjectIdString,
  rating: FeedbackRating,
  chips: z
    .array(FeedbackChip)
    .max(feedbackChips.length)
    .refine((chips) => new Set(chips).size === chips.length, 'must not repeat a chip')
    .default([]),
});
export type FeedbackBody = z.input<typeof FeedbackBody>;

/** Whether this session can still be rated by this person (GET /api/feedback/:appointmentId). */
export const FeedbackStatus = z.object({ rated: z.boolean(), open: z.boolean() });
export type FeedbackStatus = z.infer<typeof FeedbackStatus>;
