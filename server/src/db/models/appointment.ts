import { Schema, Types, type HydratedDocument, type InferSchemaType } from 'mongoose';

/**
 * Who meets whom, when, and in which room. The booking is this inserted
 * document: the unique indexes make a double booking impossible whatever the
 * concurrency (FerretDB's conditional updates are not atomic; an insert under
 * a unique index is).
 */
export const appointmentSchema = new Schema(
  {
    counselorId: { type: Types.ObjectId, required: true, ref: 'User' },
    clientId: { type: Types.ObjectId, required: true, ref: 'User' },
    startsAt: { type: Date, required: true },
    endsAt: { type: Date, required: true },
    /** Opaque id of the live room; the session layer knows rooms only by it. */
    roomId: { type: String, required: true },
    status: { type: String, required: true, enum: ['booked', 'cancelled', 'completed'], default: 'booked' },
    /**
     * Calendar identity (metadata): the iCalendar UID, kept through
     * reschedules, and its SEQUENCE, raised by each one. Absent on older
     * documents; see calendar/calendar-identity.ts.
     */
    calendarUid: { type: String, required: false },
    calendarSequence: { type: Number, required: false, min: 0 },
  },
  { timestamps: true, strict: 'throw' },
);
appointmentSchema.index({ counselorId: 1, startsAt: 1 }, { unique: true });
appointmentSchema.index({ clientId: 1, startsAt: 1 }, { unique: true });
appointmentSchema.index({ roomId: 1 }, { unique: true });

export type Appointment = InferSchemaType<typeof appointmentSchema>;
export type AppointmentDocument = HydratedDocument<Appointment>;
