import { randomUUID } from 'node:crypto';
import { CHANGE_CATEGORIES } from '@care/shared';
import { Schema, Types, type InferSchemaType } from 'mongoose';

/*
 * The programme evaluation (issue 13 §4), in two collections that share no
 * field. Neither has an ObjectId `_id` (an ObjectId embeds its creation
 * second), mongoose timestamps or a version key: ids are random UUIDs.
 */

/**
 * One person's claim to have contributed in a cycle (the programme year):
 * unique {personId, cycle}, so a second contribution is refused whatever
 * the concurrency. It says that a person contributed, never what.
 */
export const evaluationClaimSchema = new Schema(
  {
    _id: { type: String, default: () => randomUUID() },
    personId: { type: Types.ObjectId, required: true, ref: 'User' },
    cycle: { type: Number, required: true, min: 2000, max: 2200 },
  },
  { strict: 'throw', collection: 'evaluation_claims', timestamps: false, versionKey: false },
);
evaluationClaimSchema.index({ personId: 1, cycle: 1 }, { unique: true });

export type EvaluationClaim = InferSchemaType<typeof evaluationClaimSchema>;

/**
 * One change category, with the unit and month only: no account id, no
 * time finer than the month, no cycle (the month says it), nothing to
 * join with a claim.
 */
export const evaluationContributionSchema = new Schema(
  {
    _id: { type: String, default: () => randomUUID() },
    unit: { type: String, required: true, maxlength: 32 },
    month: { type: String, required: true, match: /^\d{4}-(0[1-9]|1[0-2])$/ },
    change: { type: String, required: true, enum: CHANGE_CATEGORIES },
  },
  { strict: 'throw', collection: 'evaluation_contributions', timestamps: false, versionKey: false },
);
evaluationContributionSchema.index({ month: 1, unit: 1 });

export type EvaluationContribution = InferSchemaType<typeof evaluationContributionSchema>;
