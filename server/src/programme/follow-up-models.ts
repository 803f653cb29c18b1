import { Schema, Types, type InferSchemaType } from 'mongoose';

/**
 * A follow-up a counselor proposes to a person on their caseload: one slot,
 * or one week of a weekly series (same `seriesId`). Metadata only — who,
 * when, which week of how many; no content field. {counselorId, clientId,
 * startsAt} is unique: the same time is proposed to the same person once.
 * Whether it was accepted or declined is not a field here (FerretDB's
 * conditional updates are not atomic) but an inserted answer, below.
 */
export const followUpProposalSchema = new Schema(
  {
    counselorId: { type: Types.ObjectId, required: true, ref: 'User' },
    clientId: { type: Types.ObjectId, required: true, ref: 'User' },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    seriesId: { type: Types.ObjectId, required: true },
    week: { type: Number, required: true, min: 1, max: 52 },
    weeks: { type: Number, required: true, min: 1, max: 52 },
    proposedAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'follow_up_proposals' },
);
followUpProposalSchema.index({ counselorId: 1, clientId: 1, startsAt: 1 }, { unique: true });
followUpProposalSchema.index({ clientId: 1, startsAt: 1 });

export type FollowUpProposal = InferSchemaType<typeof followUpProposalSchema>;

/**
 * The one answer to a proposal: unique on `proposalId`, so two accepts at
 * once (two tabs, a double tap) give one answer and one booking. An accept
 * records the id its booking is inserted under; if that booking is refused
 * the answer is deleted again and the proposal is open as before.
 */
export const followUpAnswerSchema = new Schema(
  {
    proposalId: { type: Types.ObjectId, required: true },
    clientId: { type: Types.ObjectId, required: true, ref: 'User' },
    answer: { type: String, required: true, enum: ['accepted', 'declined'] },
    appointmentId: { type: Types.ObjectId, required: false, default: null },
    answeredAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'follow_up_answers' },
);
followUpAnswerSchema.index({ proposalId: 1 }, { unique: true });

export type FollowUpAnswer = InferSchemaType<typeof followUpAnswerSchema>;
