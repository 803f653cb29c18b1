import { NO_UNIT } from '@care/shared';
import type { Model } from 'mongoose';
import type { CircleMeeting, Circle } from '../circles/circle-models.js';
import type { Database } from '../db/database.js';
import type { CancelledAppointment } from '../scheduling/cancelled-appointment-model.js';
import type { Attendance } from './attendance-model.js';
import type { CircleAttendance } from './circle-attendance-model.js';
import type { AttendanceCount, CircleRetirement, MonthSeats } from './circle-retirement-model.js';
import { monthOf, monthStart, nextMonth } from './report-months.js';
import type { Measure } from './report-suppression.js';

export interface ReportSources {
  cancelled: Model<CancelledAppointment>;
  attendance: Model<Attendance>;
  circleAttendance: Model<CircleAttendance>;
  retirements: Model<CircleRetirement>;
  meetings: Model<CircleMeeting>;
  circles: Model<Circle>;
}

/** One month's raw counts by the clients' unit code (not yet grouped), and what bounds them. */
export interface RawMonth {
  byUnit: Map<string, Record<Measure, number>>;
  /** Seats of the meetings someone attended; null when nobody attended one. */
  circleSeats: number | null;
  /** Minutes of every booking that was not cancelled (held and no-shows). */
  bookedMinutes: number;
}

/** How often the read is repeated when a circle retired in the middle of it. */
const MAX_READS = 4;

/**
 * Reads the report's raw counts for whole months, from ids, times, statuses
 * and unit codes only:
 * - sessions held: ended appointments that were completed, or whose client
 *   joined the room (`attendance`, written on the first join);
 * - no-shows: ended booked appointments whose client never joined;
 * - cancellations: cancelled appointments by the month they were for (a
 *   reschedule is not one);
 * - circle attendance: ASN who joined a circle meeting, one per person and
 *   meeting — from the `circle_attendance` claims while the circle lives,
 *   and from its retirement's counts once it has ended (the claims deleted).
 */
export class ReportCounts {
  constructor(
    private readonly db: Database,
    private readonly sources: ReportSources,
  ) {}

  /**
   * The raw counts of each month, and the size of each unit as the month
   * ended: ASN accounts per unit (deactivated ones included) made before its
   * end — what decides whether a unit stands alone that month.
   */
  async read(months: readonly string[], now: Date): Promise<{ raw: Map<string, RawMonth>; sizes: Map<string, Map<string, number>> }> {
    const result = new Map<string, RawMonth>();
    const first = months[0];
    const last = months.at(-1);
    if (first === undefined || last === undefined) return { raw: result, sizes: new Map() };
    for (const month of months) result.set(month, { byUnit: new Map(), circleSeats: null, bookedMinutes: 0 });
    const start = monthStart(first);
    const end = monthStart(nextMonth(last));
    // One read of the accounts serves both: each client's unit, and each unit's size by month.
    const accounts = await this.db.users.find({ role: 'asn' }, { agencyUnit: 1, createdAt: 1 }).lean();
    const units = new Map(accounts.map((a) => [String(a._id), a.agencyUnit ?? NO_UNIT]));
    const unitOf = (userId: unknown) => units.get(String(userId)) ?? NO_UNIT;
    const add = (month: string, unit: string, measure: Measure, count = 1) => {
      const raw = result.get(month);
      if (!raw) return;
      let cell = raw.byUnit.get(unit);
      if (!cell) raw.byUnit.set(unit, (cell = { held: 0, noShows: 0, cancellations: 0, circle: 0 }));
      cell[measure] += count;
    };

    const [appointments, cancelled] = await Promise.all([
      this.db.appointments.find({ startsAt: { $gte: start, $lt: end } }, { clientId: 1, startsAt: 1, endsAt: 1, status: 1 }).lean(),
      this.sources.cancelled.find({ startsAt: { $gte: start, $lt: end }, rescheduledTo: null }, { clientId: 1, startsAt: 1 }).lean(),
    ]);
    const live = appointments.filter((a) => a.status !== 'cancelled');
    const past = live.filter((a) => a.endsAt <= now);
    const attended = new Set(
      (await this.sources.attendance.find({ appointmentId: { $in: past.map((a) => a._id) }, role: 'asn' }, { appointmentId: 1 }).lean()).map((a) =>
        String(a.appointmentId),
      ),
    );
    for (const appointment of past) {
      const held = appointment.status === 'completed' || attended.has(String(appointment._id));
      add(monthOf(appointment.startsAt), unitOf(appointment.clientId), held ? 'held' : 'noShows');
    }
    for (const appointment of live) {
      const raw = result.get(monthOf(appointment.startsAt));
      if (raw) raw.bookedMinutes += (appointment.endsAt.getTime() - appointment.startsAt.getTime()) / 60_000;
    }
    for (const cancellation of cancelled) add(monthOf(cancellation.startsAt), unitOf(cancellation.clientId), 'cancellations');

    const circle = await this.#circleAttendance(first, last, start, end, unitOf);
    for (const { month, agencyUnit, count } of circle.attendance) add(month, agencyUnit, 'circle', count);
    for (const { month, seats } of circle.seats) {
      const raw = result.get(month);
      if (raw) raw.circleSeats = (raw.circleSeats ?? 0) + seats;
    }
    return { raw: result, sizes: unitSizes(months, accounts) };
  }

  /**
   * Retired circles' counts plus the live claims of the others. A circle
   * retiring between the two reads would be counted by neither (its claims
   * deleted after its counts were read as absent): the retirements are read
   * again after the claims, and the whole read repeated if one appeared.
   */
  async #circleAttendance(
    first: string,
    last: string,
    start: Date,
    end: Date,
    unitOf: (userId: unknown) => string,
  ): Promise<{ attendance: AttendanceCount[]; seats: MonthSeats[] }> {
    const retiredIn = () =>
      this.sources.retirements.find({ lastMonth: { $gte: first }, firstMonth: { $lte: last } }, { circleId: 1, meetingIds: 1, attendance: 1, seats: 1 }).lean();
    for (let read = 1; ; read++) {
      const retired = await retiredIn();
      const claims = await this.sources.circleAttendance.find({ meetingStartsAt: { $gte: start, $lt: end }, role: 'asn' }, { userId: 1, meetingId: 1, meetingStartsAt: 1 }).lean();
      const again = await retiredIn();
      if (again.length !== retired.length && read < MAX_READS) continue;

      const counted = new Set(retired.flatMap((r) => r.meetingIds.map(String)));
      const liveClaims = claims.filter((c) => !counted.has(String(c.meetingId)));
      const attendance: AttendanceCount[] = retired.flatMap((r) => r.attendance.map(({ month, agencyUnit, count }) => ({ month, agencyUnit, count })));
      for (const claim of liveClaims) attendance.push({ month: monthOf(claim.meetingStartsAt), agencyUnit: unitOf(claim.userId), count: 1 });
      const seats: MonthSeats[] = [...retired.flatMap((r) => r.seats.map(({ month, seats }) => ({ month, seats }))), ...(await this.#seatsOf(liveClaims, start, end))];
      return { attendance, seats };
    }
  }

  /** The seats of each meeting these claims are for, by month: two reads, whatever the number of meetings. */
  async #seatsOf(claims: Array<{ meetingId: unknown; meetingStartsAt: Date }>, start: Date, end: Date): Promise<MonthSeats[]> {
    const attendedMeetings = new Map(claims.map((c) => [String(c.meetingId), monthOf(c.meetingStartsAt)]));
    if (attendedMeetings.size === 0) return [];
    const meetings = await this.sources.meetings.find({ startsAt: { $gte: start, $lt: end } }, { circleId: 1 }).lean();
    const circleOf = new Map(meetings.map((m) => [String(m._id), String(m.circleId)]));
    const circleIds = [...new Set([...attendedMeetings.keys()].map((id) => circleOf.get(id)).filter((id): id is string => id !== undefined))];
    const capacity = new Map((await this.sources.circles.find({ _id: { $in: circleIds } }, { capacity: 1 }).lean()).map((c) => [String(c._id), c.capacity]));
    // A meeting or circle that cannot be found bounds nothing: no seats are assumed for it (the smaller bound is the stricter test).
    return [...attendedMeetings].map(([meetingId, month]) => ({ month, seats: capacity.get(circleOf.get(meetingId) ?? '') ?? 0 }));
  }
}

/** ASN accounts per unit as they stood at the end of each month. */
export function unitSizes(months: readonly string[], accounts: ReadonlyArray<{ agencyUnit?: string | null; createdAt?: unknown }>): Map<string, Map<string, number>> {
  return new Map(
    months.map((month) => {
      const end = monthStart(nextMonth(month));
      const sizes = new Map<string, number>();
      for (const account of accounts) {
        if (!(account.createdAt instanceof Date) || account.createdAt >= end) continue;
        const unit = account.agencyUnit ?? NO_UNIT;
        sizes.set(unit, (sizes.get(unit) ?? 0) + 1);
      }
      return [month, sizes];
    }),
  );
}
