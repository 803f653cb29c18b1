import { randomUUID } from 'node:crypto';
import { Schema, Types, type InferSchemaType } from 'mongoose';

/**
 * That a session has been rated: one claim per appointment (unique), so each
 * session is rated once. It holds the session's id and nothing else — no
 * rating, no time — and the rating holds neither the session nor the person.
 */
export const feedbackClaimSchema = new Schema(
  {
    appointmentId: { type: Types.ObjectId, required: true },
  },
  { strict: 'throw', collection: 'feedback_claims' },
);
feedbackClaimSchema.index({ appointmentId: 1 }, { unique: true });

export type FeedbackClaim = InferSchemaType<typeof feedbackClaimSchema>;

/**
 * A rating as it is kept: the session's month (WIB), 1–5 and chips. Its id
 * is a random UUID, not an ObjectId, which would carry the second it was
 * written and so pair it with its claim.
 */
export const feedbackSchema = new Schema(
  {
    _id: { type: String, default: () => randomUUID() },
    month: { type: String, required: true, match: /^\d{4}-(0[1-9]|1[0-2])$/ },
    rating: { type: Number, required: true, min: 1, max: 5 },
    chips: { type: [String], required: true, default: [] },
  },
  { strict: 'throw', collection: 'session_feedback' },
);
feedbackSchema.index({ month: 1 });

export type Feedback = InferSchemaType<typeof feedbackSchema>;
