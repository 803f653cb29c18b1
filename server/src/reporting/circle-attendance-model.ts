import { Schema, Types, type InferSchemaType } from 'mongoose';

/**
 * That a person joined a circle meeting's room: one inserted claim per
 * {meeting, person} (unique), written on their first join, so rejoins and a
 * second tab change nothing. Metadata only, for the circle attendance count
 * of the employer-blind report: the meeting's start (the report's month), the
 * person's role, when they first joined — never who said what, nor the
 * circle's topic.
 */
export const circleAttendanceSchema = new Schema(
  {
    meetingId: { type: Types.ObjectId, required: true },
    userId: { type: Types.ObjectId, required: true, ref: 'User' },
    role: { type: String, required: true, enum: ['asn', 'counselor'] },
    meetingStartsAt: { type: Date, required: true },
    joinedAt: { type: Date, required: true },
  },
  { strict: 'throw', collection: 'circle_attendance' },
);
circleAttendanceSchema.index({ meetingId: 1, userId: 1 }, { unique: true });
circleAttendanceSchema.index({ meetingStartsAt: 1 });

export type CircleAttendance = InferSchemaType<typeof circleAttendanceSchema>;
