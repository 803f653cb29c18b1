import { Schema, Types, type InferSchemaType } from 'mongoose';

/**
 * A referral staff recorded: the address they gave, a reason code, the
 * referring unit, who recorded it and when. `asnId` is the ASN account that
 * address belonged to at the time, or null (no account, or not an ASN):
 * staff are never told which. No content field.
 */
export const referralSchema = new Schema(
  {
    email: { type: String, required: true },
    asnId: { type: Types.ObjectId, required: false, default: null, ref: 'User' },
    reason: { type: String, required: true, enum: ['performance', 'conduct', 'wellbeing'] },
    referringUnit: { type: String, required: true },
    referredBy: { type: Types.ObjectId, required: true, ref: 'User' },
    referredAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'referrals' },
);
referralSchema.index({ asnId: 1, referredAt: -1 });
referralSchema.index({ referredAt: -1 });

export type Referral = InferSchemaType<typeof referralSchema>;

/**
 * One consent decision of the ASN on a referral, numbered 1, 2, 3… per
 * referral with {referralId, seq} unique: the insert is the decision's
 * commit point (FerretDB has no atomic conditional update), and two
 * decisions at once cannot both follow the same one. The latest decision is
 * the one in force; the earlier ones are the record of what was consented
 * to, and when.
 */
export const referralDecisionSchema = new Schema(
  {
    referralId: { type: Types.ObjectId, required: true },
    seq: { type: Number, required: true, min: 1 },
    answer: { type: String, required: true, enum: ['accepted', 'declined', 'withdrawn'] },
    reportAttendance: { type: Boolean, required: true },
    at: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'referral_decisions' },
);
referralDecisionSchema.index({ referralId: 1, seq: 1 }, { unique: true });
referralDecisionSchema.index({ at: 1 });

export type ReferralDecision = InferSchemaType<typeof referralDecisionSchema>;
