import { Schema, Types, type InferSchemaType } from 'mongoose';
import { GrantReason } from '@care/shared';

/** At most this many grants per person and programme year: {clientId, year, grantNo} is unique over 1..MAX_GRANTS_PER_YEAR. */
export const MAX_GRANTS_PER_YEAR = 4;

/**
 * More sessions for one person in one programme year, granted by a counselor
 * they see, with a reason code (never free text: why someone needs more time
 * stays in the session). Each grant is an inserted claim, numbered, so the
 * number of grants a year holds is bounded whatever the concurrency.
 */
export const allowanceGrantSchema = new Schema(
  {
    clientId: { type: Types.ObjectId, required: true, ref: 'User' },
    year: { type: Number, required: true, min: 2000, max: 9999 },
    grantNo: { type: Number, required: true, min: 1, max: MAX_GRANTS_PER_YEAR },
    counselorId: { type: Types.ObjectId, required: true, ref: 'User' },
    reason: { type: String, required: true, enum: GrantReason.options },
    sessions: { type: Number, required: true, min: 1, max: 4 },
    grantedAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'allowance_grants' },
);
allowanceGrantSchema.index({ clientId: 1, year: 1, grantNo: 1 }, { unique: true });

export type AllowanceGrant = InferSchemaType<typeof allowanceGrantSchema>;
