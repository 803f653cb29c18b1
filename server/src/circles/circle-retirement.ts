import { NO_UNIT } from '@care/shared';
import { Types, type Model } from 'mongoose';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { DeliveryLedger } from '../notifications/delivery-ledger.js';
import type { CircleAttendance } from '../reporting/circle-attendance-model.js';
import type { CircleRetirement as Retirement } from '../reporting/circle-retirement-model.js';
import { monthOf } from '../reporting/report-months.js';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import type { CircleModels } from './circle-models.js';

/**
 * A circle is retired this long after it ended (its last meeting over, or
 * cancelled): past the 15 minutes a room stays open after a meeting, so no
 * attendance is still being written, and past the retries of the withdrawal
 * emails (about ten minutes), which need no seat but do use their claims.
 */
export const RETIRE_AFTER_MS = 60 * 60_000;

/** At most this many circles per pass: a backlog (the first pass after an upgrade) is worked off over a few passes. */
const PER_PASS = 50;

export interface CircleRetirementDeps {
  db: Database;
  models: CircleModels;
  circleAttendance: Model<CircleAttendance>;
  retirements: Model<Retirement>;
  ledger: DeliveryLedger;
  log: Logger;
}

/**
 * When a circle ends, the links between its members and it go: seats, the
 * waiting list, attendance claims and message claims. What the report needs
 * is kept first, as counts per meeting month and unit (`circle_retirements`,
 * one document per circle, no person in it).
 *
 * Run by every node from the reminder loop. Safe with two nodes at once and
 * against a crash anywhere: the counts are one insert under a unique index
 * (the first node's stand; they are computed before any claim is deleted, so
 * a second node can only compute the same or a subset, and its insert is
 * refused); the deletions come after it and are repeated until the circle is
 * marked retired. FerretDB has no transactions, and needs none here.
 */
export class CircleRetirement {
  constructor(private readonly deps: CircleRetirementDeps) {}

  /** Retires every circle that ended at least RETIRE_AFTER_MS before `now`. */
  async sweep(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - RETIRE_AFTER_MS);
    await this.#learnEnds();
    const ended = await this.deps.models.circles
      .find({ retiredAt: null, $or: [{ endsAt: { $lte: cutoff } }, { status: 'cancelled', updatedAt: { $lte: cutoff } }] })
      .select({ _id: 1 })
      .limit(PER_PASS)
      .lean();
    for (const { _id } of ended) await this.retire(_id, now);
    return ended.length;
  }

  /** Counts kept, then the links deleted, then the circle marked. Each step may run again. */
  async retire(circleId: Types.ObjectId, now: Date): Promise<void> {
    const { models, retirements, circleAttendance, ledger, log } = this.deps;
    const meetings = await models.meetings.find({ circleId }).select({ _id: 1, startsAt: 1 }).lean();
    if (!(await retirements.exists({ circleId }))) await this.#keepCounts(circleId, meetings, now);

    const meetingIds = meetings.map((m) => m._id);
    for (const meetingId of meetingIds) await circleAttendance.deleteMany({ meetingId });
    await models.seats.deleteMany({ circleId });
    await models.waitlist.deleteMany({ circleId });
    await ledger.forgetCircle(circleId.toString(), meetingIds.map(String));

    await retirements.updateOne({ circleId }, { $set: { linksDeletedAt: now } });
    await models.circles.updateOne({ _id: circleId }, { $set: { retiredAt: now } }, { timestamps: false });
    log.info({ circleId: circleId.toString(), meetings: meetings.length }, 'circle ended: member links deleted, counts kept');
  }

  async #keepCounts(circleId: Types.ObjectId, meetings: Array<{ _id: Types.ObjectId; startsAt: Date }>, now: Date): Promise<void> {
    const { db, models, circleAttendance, retirements } = this.deps;
    const circle = await models.circles.findById(circleId).select({ capacity: 1 }).lean();
    const attendance = new Map<string, { month: string; agencyUnit: string; count: number }>();
    const seats = new Map<string, number>();
    const units = new Map<string, string>();
    for (const meeting of meetings) {
      const month = monthOf(meeting.startsAt);
      const claims = await circleAttendance.find({ meetingId: meeting._id, role: 'asn' }).select({ userId: 1 }).lean();
      if (claims.length > 0) seats.set(month, (seats.get(month) ?? 0) + (circle?.capacity ?? 0));
      for (const { userId } of claims) {
        const id = userId.toString();
        if (!units.has(id)) units.set(id, (await db.users.findById(userId).select({ agencyUnit: 1 }).lean())?.agencyUnit ?? NO_UNIT);
        const agencyUnit = units.get(id) ?? NO_UNIT;
        const key = `${month}|${agencyUnit}`;
        const cell = attendance.get(key) ?? { month, agencyUnit, count: 0 };
        cell.count += 1;
        attendance.set(key, cell);
      }
    }
    const months = [...seats.keys()].sort();
    try {
      await retirements.create({
        circleId,
        meetingIds: meetings.map((m) => m._id),
        attendance: [...attendance.values()],
        seats: [...seats].map(([month, count]) => ({ month, seats: count })),
        firstMonth: months[0] ?? null,
        lastMonth: months.at(-1) ?? null,
        countedAt: now,
      });
    } catch (error) {
      // Another node counted first: its counts stand (they cover everything these do).
      if (!isDuplicateKey(error)) throw error;
    }
  }

  /** Circles made before `endsAt` existed learn it from their last meeting, once. */
  async #learnEnds(): Promise<void> {
    const { models } = this.deps;
    const unknown = await models.circles.find({ retiredAt: null, endsAt: null }).select({ _id: 1 }).limit(PER_PASS).lean();
    for (const { _id } of unknown) {
      const last = await models.meetings.findOne({ circleId: _id }).sort({ endsAt: -1 }).select({ endsAt: 1 }).lean();
      // A circle without meetings (a create that failed half-way) ended when it began.
      await models.circles.updateOne({ _id }, { $set: { endsAt: last?.endsAt ?? new Date(0) } }, { timestamps: false });
    }
  }
}
