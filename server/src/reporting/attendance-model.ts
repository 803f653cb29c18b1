import { Schema, Types, type InferSchemaType } from 'mongoose';

/**
 * That a participant joined an appointment's room, and when they first did:
 * one inserted claim per {appointment, role} (unique), so rejoins and a
 * second tab change nothing. Metadata only, for the no-show count of the
 * employer-blind report; never who said what.
 */
export const attendanceSchema = new Schema(
  {
    appointmentId: { type: Types.ObjectId, required: true },
    role: { type: String, required: true, enum: ['asn', 'counselor'] },
    joinedAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'attendance' },
);
attendanceSchema.index({ appointmentId: 1, role: 1 }, { unique: true });

export type Attendance = InferSchemaType<typeof attendanceSchema>;
