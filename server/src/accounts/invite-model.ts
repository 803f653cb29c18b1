import { Schema, Types, type HydratedDocument, type InferSchemaType } from 'mongoose';

/**
 * A pending invitation: who is invited, as what, until when. The link's token
 * is never stored, only its SHA-256 (`tokenHash`), so a copy of the database
 * opens no account.
 *
 * The unique index on `email` is the claim "one open invite per address":
 * two admins inviting the same person at once get one invite and one
 * `already_exists` (FerretDB's conditional updates are not atomic; an insert
 * under a unique index is). An expired invite is deleted before a new one is
 * inserted for that address. Whether an invite has been used is decided by
 * the `users` insert on accept (unique email), so one token gives at most one
 * account however many tabs submit it; `acceptedAt` then records it.
 */
export const inviteSchema = new Schema(
  {
    tokenHash: { type: String, required: true },
    email: { type: String, required: true, lowercase: true, trim: true },
    displayName: { type: String, required: true, trim: true, maxlength: 120 },
    agencyUnit: { type: String, required: true, maxlength: 32 },
    role: { type: String, required: true, enum: ['asn', 'counselor'] },
    invitedBy: { type: Types.ObjectId, required: true, ref: 'User' },
    expiresAt: { type: Date, required: true },
    acceptedAt: { type: Date, required: false, default: null },
  },
  { timestamps: true, strict: 'throw' },
);
inviteSchema.index({ tokenHash: 1 }, { unique: true });
inviteSchema.index({ email: 1 }, { unique: true });

export type Invite = InferSchemaType<typeof inviteSchema>;
export type InviteDocument = HydratedDocument<Invite>;
