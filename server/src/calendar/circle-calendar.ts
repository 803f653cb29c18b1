import { isValidObjectId, Types } from 'mongoose';
import type { CircleModels } from '../circles/circle-models.js';
import type { CalendarEntry } from './events-ics.js';
import { circleMeetingUid } from './circle-ics.js';

/** A circle as calendars need it. */
export interface CircleCalendarCircle {
  circleId: string;
  facilitatorId: string;
  status: 'active' | 'cancelled';
}

/** Whose events: a seated member (their seat) or the facilitator (no seat). */
export interface CircleHolder {
  userId: string;
  seatId: string | null;
}

/**
 * Reads circles, their meetings and seats for invitations, reminders and
 * calendar files: who holds a place, and the meetings still to come as
 * calendar entries with each person's own UIDs.
 */
export class CircleCalendar {
  constructor(private readonly models: CircleModels) {}

  async circle(circleId: string): Promise<CircleCalendarCircle | null> {
    if (!isValidObjectId(circleId)) return null;
    const circle = await this.models.circles.findById(circleId).select({ facilitatorId: 1, status: 1 }).lean();
    if (!circle) return null;
    return { circleId, facilitatorId: circle.facilitatorId.toString(), status: circle.status };
  }

  /** `userId`'s place in the circle: their seat, the facilitator's place, or none (waiting in line is none). */
  async holder(circle: CircleCalendarCircle, userId: string): Promise<CircleHolder | null> {
    if (circle.facilitatorId === userId) return { userId, seatId: null };
    if (!isValidObjectId(userId)) return null;
    const seat = await this.models.seats.findOne({ circleId: new Types.ObjectId(circle.circleId), userId: new Types.ObjectId(userId) }).select({ _id: 1 }).lean();
    return seat ? { userId, seatId: seat._id.toString() } : null;
  }

  /** Whether this seat is still held (by anyone: a seat id names one seating). */
  async seatHeld(seatId: string): Promise<boolean> {
    return isValidObjectId(seatId) && (await this.models.seats.exists({ _id: new Types.ObjectId(seatId) })) !== null;
  }

  /**
   * The circle's meetings that have not ended by `now`, as `holder`'s
   * calendar entries: scheduled ones only, or every one (to withdraw them).
   */
  async entries(circleId: string, holder: CircleHolder, now: Date, which: 'scheduled' | 'all', sequence: number): Promise<CalendarEntry[]> {
    const meetings = await this.models.meetings
      .find({ circleId: new Types.ObjectId(circleId), endsAt: { $gt: now } })
      .sort({ seq: 1 })
      .select({ startsAt: 1, endsAt: 1, status: 1 })
      .lean();
    const holderId = holder.seatId ?? holder.userId;
    return meetings
      .filter((m) => which === 'all' || m.status === 'scheduled')
      .map((m) => ({ uid: circleMeetingUid(m._id.toString(), holderId), sequence, startsAt: m.startsAt, endsAt: m.endsAt }));
  }
}
