import { counselorGenders, counselorLanguages, isValidTimeZone, specialities, weekdays } from '@care/shared';
import { Schema, Types, type HydratedDocument, type InferSchemaType } from 'mongoose';

const clockTime = /^([01]\d|2[0-3]):[0-5]\d$/;
const endTime = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const calendarDate = /^\d{4}-\d{2}-\d{2}$/;

const weeklyRangeSchema = new Schema(
  {
    weekday: { type: String, required: true, enum: weekdays },
    start: { type: String, required: true, match: clockTime },
    end: { type: String, required: true, match: endTime },
  },
  { _id: false, strict: 'throw' },
);

/**
 * When a counselor takes 1:1 sessions, and their profile (language and
 * speciality codes): one document per counselor (the unique index), replaced
 * as a whole when they save. Scheduling metadata only: weekdays, wall-clock
 * times, dates, numbers and codes — no free text. The REST body
 * was checked by the shared zod schema before it got here; these validators
 * are the second line.
 */
export const availabilitySchema = new Schema(
  {
    counselorId: { type: Types.ObjectId, required: true, ref: 'User' },
    timeZone: { type: String, required: true, maxlength: 64, validate: { validator: isValidTimeZone, message: 'not an IANA time zone' } },
    weekly: { type: [weeklyRangeSchema], default: [] },
    /** Local dates without sessions (leave, public holidays). */
    exceptions: { type: [{ type: String, match: calendarDate }], default: [] },
    sessionMinutes: { type: Number, required: true, min: 15, max: 180 },
    bufferMinutes: { type: Number, required: true, min: 0, max: 120 },
    maxPerDay: { type: Number, required: true, min: 1, max: 24 },
    minNoticeHours: { type: Number, required: true, min: 0, max: 720 },
    horizonDays: { type: Number, required: true, min: 1, max: 365 },
    /** The counselor's profile, as codes from fixed lists (never free text): languages they hold sessions in, what they work with. */
    languages: { type: [{ type: String, enum: counselorLanguages }], default: [] },
    specialities: { type: [{ type: String, enum: specialities }], default: [] },
    /** The gender the counselor chose to state, if any (a code; for people who ask for a woman or a man). */
    gender: { type: String, enum: counselorGenders, default: null },
  },
  { timestamps: true, strict: 'throw', collection: 'availabilities' },
);
availabilitySchema.index({ counselorId: 1 }, { unique: true });

export type Availability = InferSchemaType<typeof availabilitySchema>;
export type AvailabilityDocument = HydratedDocument<Availability>;
