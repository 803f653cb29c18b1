import { Schema, type HydratedDocument, type InferSchemaType } from 'mongoose';

/**
 * An account. Scheduling metadata only: who someone is to the system, never
 * anything they said or why they came.
 */
export const userSchema = new Schema(
  {
    email: { type: String, required: true, lowercase: true, trim: true },
    displayName: { type: String, required: true, trim: true, maxlength: 120 },
    role: { type: String, required: true, enum: ['asn', 'counselor', 'admin'] },
    passwordHash: { type: String, required: true },
    timeZone: { type: String, required: true, default: 'Asia/Jakarta' },
    locale: { type: String, required: true, enum: ['id', 'en'], default: 'id' },
    /** A flag and a time only: that the confidentiality terms were accepted, and when. */
    consentAcceptedAt: { type: Date, required: false, default: null },
    /** The person's agency unit code (e.g. DINKES), for counts by unit; null for staff and older accounts. */
    agencyUnit: { type: String, required: false, default: null, maxlength: 32 },
    /** Deactivated accounts cannot sign in; their sessions are ended when they are deactivated. */
    active: { type: Boolean, required: true, default: true },
    /** The TOTP secret, sealed with TOTP_ENCRYPTION_KEY (AES-256-GCM); null until enrolment is confirmed. */
    totpSecret: { type: String, required: false, default: null },
    totpEnabledAt: { type: Date, required: false, default: null },
    /** Whether invitations and reminders may be emailed; in-app reminders do not depend on it. */
    emailNotifications: { type: Boolean, required: true, default: true },
    /** Reminders (minutes before the start) the person turned off; kept as the ones off, so a reminder added later is on. */
    remindersOff: { type: [Number], required: true, default: [] },
    /**
     * Random, replaced whenever the password changes. A sign-in carries the
     * stamp of the password it was opened with, read in the same document as
     * the hash, so one opened with the old password is void after a change,
     * however the two raced. Null for accounts whose password never changed.
     */
    passwordStamp: { type: String, required: false, default: null },
    /** SHA-256 of each unused recovery code. */
    recoveryCodeHashes: { type: [String], required: true, default: [] },
  },
  { timestamps: true, strict: 'throw' },
);
userSchema.index({ email: 1 }, { unique: true });

export type User = InferSchemaType<typeof userSchema>;
export type UserDocument = HydratedDocument<User>;
