import { NO_UNIT, type ReportQuery, type ReportRow, type ReportView, type UtilisationRow } from '@care/shared';
import type { Model } from 'mongoose';
import type { Availability } from '../scheduling/availability-model.js';
import type { RawMonth, ReportCounts } from './report-counts.js';
import { datesOf, monthsFrom, monthStart, nextMonth } from './report-months.js';
import { measures, publishMonth, type Measure, type MonthCounts } from './report-suppression.js';
import { byUnitColumn, unitGroups } from './unit-groups.js';

/**
 * A month is shown once this long after its end (WIB): by then its last
 * sessions and meetings are over and their attendance written, so its
 * figures no longer change and two requests a day apart tell nothing more
 * than one.
 */
const SETTLE_MS = 24 * 3_600_000;

const weekdayNames = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const minutesOf = (time: string) => {
  const [hours, minutes] = time.split(':').map(Number) as [number, number];
  return hours * 60 + minutes;
};

export interface ReportOptions {
  /** k: counts 1..k−1 are shown as "<k"; units with fewer than k people are merged. */
  minCount: number;
  now: () => Date;
}

/**
 * The employer-blind report: counts by closed month (WIB) and by the clients'
 * agency unit, suppressed here before anything leaves the server (the rules:
 * report-suppression.ts). It returns counts only — never a name, an id or
 * who met whom. Counselor utilisation: minutes of all bookings over minutes
 * of all counselors' weekly availability (today's rules, less their days
 * off), per month.
 */
export class ReportService {
  constructor(
    private readonly counts: ReportCounts,
    private readonly availabilities: Model<Availability>,
    private readonly options: ReportOptions,
  ) {}

  async report({ from, to }: ReportQuery): Promise<ReportView> {
    const k = this.options.minCount;
    const now = this.options.now();
    const requested = monthsFrom(from, to);
    const months = requested.filter((month) => isClosed(month, now));
    const { raw, sizes } = await this.counts.read(months, now);
    const rows: ReportRow[] = [];
    const totals: ReportView['totals'] = [];
    const utilisation: UtilisationRow[] = [];
    const available = await this.#availableMinutes(months);
    for (const month of months) {
      const grouped = groupMonth(raw.get(month), sizes.get(month) ?? new Map(), k);
      const published = publishMonth(grouped, k);
      grouped.columns.forEach((agencyUnit, i) => {
        rows.push({
          month,
          agencyUnit,
          sessionsHeld: published.cells.held[i] ?? null,
          noShows: published.cells.noShows[i] ?? null,
          cancellations: published.cells.cancellations[i] ?? null,
          circleAttendance: published.cells.circle[i] ?? null,
        });
      });
      totals.push({
        month,
        sessionsHeld: published.totals.held,
        noShows: published.totals.noShows,
        cancellations: published.totals.cancellations,
        circleAttendance: published.totals.circle,
      });
      const { minutes, counselors } = available.get(month) ?? { minutes: 0, counselors: 0 };
      const booked = raw.get(month)?.bookedMinutes ?? 0;
      utilisation.push({
        month,
        utilisation: minutes > 0 && published.utilisationShown ? Math.round((booked / minutes) * 1000) / 1000 : null,
        counselors,
      });
    }
    return { from, to, minCount: k, months, notYetClosed: requested.filter((m) => !months.includes(m)), rows, totals, utilisation };
  }

  /** Every counselor's available minutes in each month, from today's weekly rules less their days off. */
  async #availableMinutes(months: readonly string[]): Promise<Map<string, { minutes: number; counselors: number }>> {
    const availabilities = await this.availabilities.find({}, { weekly: 1, exceptions: 1 }).lean();
    return new Map(
      months.map((month) => {
        let total = 0;
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
          total += minutes;
        }
        return [month, { minutes: total, counselors }];
      }),
    );
  }
}

/** Whether a month has closed (and settled): only then are its figures final, and shown. */
export function isClosed(month: string, now: Date): boolean {
  return monthStart(nextMonth(month)).getTime() + SETTLE_MS <= now.getTime();
}

/** The last month of a programme year that has closed, or null when none has. */
export function lastClosedMonthOf(year: number, now: Date): string | null {
  return [...Array(12).keys()].map((i) => `${year}-${String(12 - i).padStart(2, '0')}`).find((month) => isClosed(month, now)) ?? null;
}

/** A month's raw counts in its unit columns (small units merged); columns with nothing at all left out. */
function groupMonth(raw: RawMonth | undefined, sizes: ReadonlyMap<string, number>, k: number): MonthCounts {
  const groupOf = unitGroups(sizes, k);
  const byColumn = new Map<string, Record<Measure, number>>();
  const people = new Map<string, number>();
  for (const [unit, size] of sizes) people.set(groupOf(unit), (people.get(groupOf(unit)) ?? 0) + size);
  for (const [unit, cell] of raw?.byUnit ?? []) {
    const column = groupOf(unit);
    const sum = byColumn.get(column) ?? { held: 0, noShows: 0, cancellations: 0, circle: 0 };
    for (const measure of measures) sum[measure] += cell[measure];
    byColumn.set(column, sum);
  }
  const columns = [...byColumn.entries()].filter(([, cell]) => measures.some((m) => cell[m] > 0)).map(([column]) => column).sort(byUnitColumn(NO_UNIT));
  return {
    columns,
    small: columns.map((column) => (people.get(column) ?? 0) < k),
    counts: Object.fromEntries(measures.map((m) => [m, columns.map((c) => byColumn.get(c)?.[m] ?? 0)])) as Record<Measure, number[]>,
    circleSeats: raw?.circleSeats ?? null,
  };
}
