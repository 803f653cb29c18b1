import { Schema, Types } from 'mongoose';

/** Attendances kept of an ended circle: per meeting month (WIB) and the attendee's unit code (NO_UNIT for none). */
export interface AttendanceCount {
  month: string;
  agencyUnit: string;
  count: number;
}

/** Per month, the seats of the meetings someone attended: the most attendances the month could hold. */
export interface MonthSeats {
  month: string;
  seats: number;
}

/**
 * What is kept of a circle once it has ended and its member ↔ circle links
 * (seats, waiting list, attendance claims, message claims) are deleted: the
 * counts the report needs, by the meeting's month and the attendee's unit,
 * and no person.
 *
 * One document per circle, unique on `circleId`: the insert is the commit
 * point of a retirement (FerretDB has no transactions). Whichever node
 * inserts it first, its counts stand; the links are deleted only after it
 * exists, so a crash in between leaves the counts and the links both, and
 * the next pass deletes the links without counting again.
 */
export interface CircleRetirement {
  circleId: Types.ObjectId;
  /** The circle's meetings: their claims, while any are left, are counted here and not again. */
  meetingIds: Types.ObjectId[];
  attendance: AttendanceCount[];
  seats: MonthSeats[];
  /** The months of `seats`, first and last, so the report reads only the retirements of its range. */
  firstMonth: string | null;
  lastMonth: string | null;
  countedAt: Date;
  /** Set once every link is gone. */
  linksDeletedAt: Date | null;
}

export const circleRetirementSchema = new Schema<CircleRetirement>(
  {
    circleId: { type: Schema.Types.ObjectId, required: true },
    meetingIds: { type: [Schema.Types.ObjectId], required: true, default: [] },
    attendance: {
      type: [{ _id: false, month: { type: String, required: true }, agencyUnit: { type: String, required: true }, count: { type: Number, required: true, min: 1 } }],
      required: true,
      default: [],
    },
    seats: {
      type: [{ _id: false, month: { type: String, required: true }, seats: { type: Number, required: true, min: 0 } }],
      required: true,
      default: [],
    },
    firstMonth: { type: String, required: false, default: null },
    lastMonth: { type: String, required: false, default: null },
    countedAt: { type: Date, required: true },
    linksDeletedAt: { type: Date, required: false, default: null },
  },
  { strict: 'throw', collection: 'circle_retirements' },
);
circleRetirementSchema.index({ circleId: 1 }, { unique: true });
circleRetirementSchema.index({ lastMonth: 1 });
