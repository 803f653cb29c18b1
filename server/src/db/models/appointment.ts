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
  },
  { timestamps: true, strict: 'throw' },
);
appointmentSchema.index({ counselorId: 1, startsAt: 1 }, { unique: true });
appointmentSchema.index({ clientId: 1, startsAt: 1 }, { unique: true });
appointmentSchema.index({ roomId: 1 }, { unique: true });

export type Appointment = InferSchemaType<typeof appointmentSchema>;
export type AppointmentDocument = HydratedDocument<Appointment>;
