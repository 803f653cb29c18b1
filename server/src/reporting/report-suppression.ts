import type { ReportFigure } from '@care/shared';
import { isHidden, keepsHiddenCells, suppress, suppressTotal } from './small-counts.js';

/*
 * What of one month's counts may be shown, so that an administrator who
 * requests everything they can — every cell, total, month range, the
 * utilisation figure and the count endpoints — cannot tell any hidden cell
 * apart from any other value 1..k−1. The rules, per month:
 *
 * 1. Primary: a cell of 1..k−1 is shown as "<k"; 0 and k+ are exact.
 * 2. Units: columns are units with at least k people, the rest merged into
 *    "other" (unit-groups.ts), sized by the accounts of the month's end.
 * 3. Totals (complementary suppression): a measure's month total is shown
 *    only if it leaves every hidden cell of that measure every value 1..k−1
 *    (small-counts.ts `keepsHiddenCells`); otherwise it is withheld. One
 *    hidden cell in a row thus always withholds the total.
 * 4. Utilisation is booked minutes over available minutes: with the
 *    counselors' hours and the session length (which staff can learn), it
 *    tells the number of sessions held plus no-shows that month. It is shown
 *    only if that number leaves every hidden cell of both rows its whole
 *    range, after the totals already shown.
 * 5. Circle attendance is bounded above: nobody attends a meeting beyond its
 *    seats, and staff may know the circles' sizes. If that bound could keep a
 *    hidden circle cell from reaching k−1, the whole circle row of the month
 *    is withheld (every cell null), total included.
 * 6. Months are independent (no figure spans two), are computed the same
 *    whatever range is asked for, and are shown only once closed, so no
 *    difference of two requests holds anything the requests did not.
 *
 * The hostile test `tests/hostile/report-recovery.test.ts` requests every
 * figure and solves for each hidden cell; it finds each one's whole range.
 */

export const measures = ['held', 'noShows', 'cancellations', 'circle'] as const;
export type Measure = (typeof measures)[number];

/** One month's raw counts, one number per unit column (in the same order for every measure). */
export interface MonthCounts {
  columns: string[];
  counts: Record<Measure, number[]>;
  /**
   * The most circle attendances the month's meetings could hold: the seats of
   * every meeting someone attended. Null when nobody attended a meeting.
   */
  circleSeats: number | null;
}

export interface PublishedMonth {
  cells: Record<Measure, ReportFigure[]>;
  totals: Record<Measure, ReportFigure>;
  /** Whether the utilisation figure (which tells held + no-shows) may be shown. */
  utilisationShown: boolean;
}

export function publishMonth({ counts, circleSeats }: MonthCounts, k: number): PublishedMonth {
  const cells = Object.fromEntries(measures.map((m) => [m, counts[m].map((count) => suppress(count, k))])) as Record<Measure, ReportFigure[]>;
  const totals = Object.fromEntries(measures.map((m) => [m, suppressTotal(counts[m], k)])) as Record<Measure, ReportFigure>;

  if (totals.circle === null && circleSeats !== null && !withinSeats(counts.circle, circleSeats, k)) {
    cells.circle = counts.circle.map(() => null);
  }
  return { cells, totals, utilisationShown: bookedSessionsKeepHidden(counts, totals, k) };
}

/** Held + no-shows, known exactly: do the cells of the rows whose totals are not shown exactly keep their whole range? */
function bookedSessionsKeepHidden(counts: Record<Measure, number[]>, totals: Record<Measure, ReportFigure>, k: number): boolean {
  const unknownRows = (['held', 'noShows'] as const).filter((m) => typeof totals[m] !== 'number');
  const cells = unknownRows.flatMap((m) => counts[m]);
  const sum = cells.reduce((total, cell) => total + cell, 0);
  return keepsHiddenCells(
    cells.filter((c) => !isHidden(c, k)),
    cells.filter((c) => isHidden(c, k)),
    { low: sum, high: sum },
    k,
  );
}

/** With only an upper bound on the row's sum, each hidden cell must still be able to reach k−1. */
function withinSeats(row: readonly number[], seats: number, k: number): boolean {
  return keepsHiddenCells(
    row.filter((c) => !isHidden(c, k)),
    row.filter((c) => isHidden(c, k)),
    { low: Number.NEGATIVE_INFINITY, high: seats },
    k,
  );
}
