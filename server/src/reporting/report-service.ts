import type { ReportQuery, ReportRow, ReportView, UtilisationRow } from '@care/shared';
import type { Model } from 'mongoose';
import type { Database } from '../db/database.js';
import type { Availability } from '../scheduling/availability-model.js';
import type { CancelledAppointment } from '../scheduling/cancelled-appointment-model.js';
import type { Attendance } from './attendance-model.js';
import type { CircleAttendance } from './circle-attendance-model.js';
import { datesOf, monthOf, monthsFrom, monthStart, nextMonth } from './report-months.js';
import { suppress, suppressTotal } from './small-counts.js';

export interface ReportSources {
  cancelled: Model<CancelledAppointment>;
  availabilities: Model<Availability>;
  attendance: Model<Attendance>;
  circleAttendance: Model<CircleAttendance>;
}

interface Cell {
  held: number;
  noShows: number;
  cancellations: number;
  circle: number;
}

const NO_UNIT = '—';
const weekdayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const minutesOf = (time: string) => {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
};

/**
 * The employer-blind report: counts by month (WIB) and by the clients' agency
 * unit, with every count of 1–4 suppressed here, before anything leaves the
 * server. It reads ids, times, statuses and unit codes only, and returns
 * counts only — never a name, an id or who met whom.
 *
 * - sessions held: past appointments (ended) that were completed, or whose
 *   client joined the room;
 * - no-shows: past booked appointments whose client never joined (attendance
 *   is recorded from the first join on, so sessions before that count as
 *   no-shows unless marked completed);
 * - cancellations: cancelled appointments by the month they were for; a
 *   reschedule is not a cancellation;
 * - counselor utilisation: minutes of all bookings over minutes of all
 *   counselors' weekly availability (today's rules, less their days off), per
 *   month, all counselors together.
 *
 * - circle attendance: ASN who joined a support circle meeting, one per
 *   person and meeting (the `circle_attendance` claims), by the meeting's
 *   month and the attendee's unit; facilitators are not counted.
 */
export class ReportService {
  constructor(
    private readonly db: Database,
    private readonly sources: ReportSources,
    private readonly now: () => Date,
  ) {}

  async report({ from, to }: ReportQuery): Promise<ReportView> {
    const start = monthStart(from);
    const end = monthStart(nextMonth(to));
    const now = this.now();
    const [appointments, cancelled, circleVisits] = await Promise.all([
      this.db.appointments.find({ startsAt: { $gte: start, $lt: end } }, { clientId: 1, startsAt: 1, endsAt: 1, status: 1 }).lean(),
      this.sources.cancelled.find({ startsAt: { $gte: start, $lt: end }, rescheduledTo: null }, { clientId: 1, startsAt: 1 }).lean(),
      this.sources.circleAttendance.find({ meetingStartsAt: { $gte: start, $lt: end }, role: 'asn' }, { userId: 1, meetingStartsAt: 1 }).lean(),
    ]);
    const clientIds = [...new Set([...[...appointments, ...cancelled].map((a) => String(a.clientId)), ...circleVisits.map((v) => String(v.userId))])];
    const units = new Map(
      (await this.db.users.find({ _id: { $in: clientIds } }, { agencyUnit: 1 }).lean()).map((u) => [String(u._id), u.agencyUnit ?? NO_UNIT]),
    );
    const past = appointments.filter((a) => a.status !== 'cancelled' && a.endsAt <= now);
    const attended = new Set(
      (await this.sources.attendance.find({ appointmentId: { $in: past.map((a) => a._id) }, role: 'asn' }, { appointmentId: 1 }).lean()).map((a) =>
        String(a.appointmentId),
      ),
    );

    const cells = new Map<string, Cell>();
    const cell = (month: string, unit: string): Cell => {
      const key = `${month}|${unit}`;
      let found = cells.get(key);
      if (!found) cells.set(key, (found = { held: 0, noShows: 0, cancellations: 0, circle: 0 }));
      return found;
    };
    for (const appointment of past) {
      const target = cell(monthOf(appointment.startsAt), units.get(String(appointment.clientId)) ?? NO_UNIT);
      if (appointment.status === 'completed' || attended.has(String(appointment._id))) target.held += 1;
      else target.noShows += 1;
    }
    for (const cancellation of cancelled) cell(monthOf(cancellation.startsAt), units.get(String(cancellation.clientId)) ?? NO_UNIT).cancellations += 1;
    for (const visit of circleVisits) cell(monthOf(visit.meetingStartsAt), units.get(String(visit.userId)) ?? NO_UNIT).circle += 1;

    const months = monthsFrom(from, to);
    const rows: ReportRow[] = [...cells.entries()]
      .map(([key, counts]) => {
        const [month, agencyUnit] = key.split('|') as [string, string];
        return {
          month,
          agencyUnit,
          sessionsHeld: suppress(counts.held),
          noShows: suppress(counts.noShows),
          cancellations: suppress(counts.cancellations),
          circleAttendance: suppress(counts.circle),
        };
      })
      .sort((a, b) => a.month.localeCompare(b.month) || Number(a.agencyUnit === NO_UNIT) - Number(b.agencyUnit === NO_UNIT) || a.agencyUnit.localeCompare(b.agencyUnit));
    const totals = months.map((month) => {
      const ofMonth = [...cells.entries()].filter(([key]) => key.startsWith(`${month}|`)).map(([, counts]) => counts);
      return {
        month,
        sessionsHeld: suppressTotal(ofMonth.map((c) => c.held)),
        noShows: suppressTotal(ofMonth.map((c) => c.noShows)),
        cancellations: suppressTotal(ofMonth.map((c) => c.cancellations)),
        circleAttendance: suppressTotal(ofMonth.map((c) => c.circle)),
      };
    });
    return { from, to, rows, totals, utilisation: await this.#utilisation(months, appointments) };
  }

  async #utilisation(months: string[], appointments: Array<{ startsAt: Date; endsAt: Date; status: string }>): Promise<UtilisationRow[]> {
    const availabilities = await this.sources.availabilities.find({}, { weekly: 1, exceptions: 1 }).lean();
    return months.map((month) => {
      let available = 0;
      let counselors = 0;
      for (const availability of availabilities) {
        const daysOff = new Set(availability.exceptions);
        let minutes = 0;
        for (const { date, weekday } of datesOf(month)) {
          if (daysOff.has(date)) continue;
          for (const range of availability.weekly) {
            if (range.weekday === weekdayNames[weekday]) minutes += minutesOf(range.end) - minutesOf(range.start);
          }
        }
        if (minutes > 0) counselors += 1;
        available += minutes;
      }
      const booked = appointments
        .filter((a) => a.status !== 'cancelled' && monthOf(a.startsAt) === month)
        .reduce((sum, a) => sum + (a.endsAt.getTime() - a.startsAt.getTime()) / 60_000, 0);
      return { month, utilisation: available > 0 ? Math.round((booked / available) * 1000) / 1000 : null, counselors: suppress(counselors) };
    });
  }
}
