import type { ReportFigure } from '@care/shared';
import { cellState, keepsHiddenCells, partsOf, shown, suppressTotal, type CellState } from './small-counts.js';

/*
 * What of one month's counts may be shown, so that an administrator who
 * requests everything they can — every cell, total, month range, the
 * utilisation figure and the count endpoints — cannot tell any hidden cell
 * apart from any other value 1..k−1. The rules, per month:
 *
 * 1. Primary: a cell of 1..k−1 is shown as "<k"; 0 and k+ are exact.
 * 2. Units: columns are units with at least k people, the rest merged into
 *    "other" (unit-groups.ts), sized by the accounts of the month's end. If
 *    "other" itself has fewer than k people, every non-zero cell of it is
 *    withheld (null): a large count of a few people says too much too.
 *    A withheld cell must keep more than one possible value in every sum.
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
  /** Per column: whether it has fewer than k people (only "other" can). */
  small: boolean[];
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

export function publishMonth({ counts, small, circleSeats }: MonthCounts, k: number): PublishedMonth {
  const states = Object.fromEntries(measures.map((m) => [m, counts[m].map((count, i) => cellState(count, k, small[i] ?? false))])) as Record<Measure, CellState[]>;
  const cells = Object.fromEntries(measures.map((m) => [m, counts[m].map((count, i) => shown(count, states[m][i] ?? 'exact', k))])) as Record<Measure, ReportFigure[]>;
  const totals = Object.fromEntries(measures.map((m) => [m, suppressTotal(counts[m], k, states[m])])) as Record<Measure, ReportFigure>;

  if (totals.circle === null && circleSeats !== null && !keepsHiddenCells(partsOf(counts.circle, states.circle), { low: Number.NEGATIVE_INFINITY, high: circleSeats }, k)) {
    cells.circle = counts.circle.map(() => null);
  }
  return { cells, totals, utilisationShown: bookedSessionsKeepHidden(counts, states, totals, k) };
}

/** Held + no-shows, known exactly: do the cells of the rows whose totals are not shown exactly keep their range? */
function bookedSessionsKeepHidden(counts: Record<Measure, number[]>, states: Record<Measure, CellState[]>, totals: Record<Measure, ReportFigure>, k: number): boolean {
  const unknownRows = (['held', 'noShows'] as const).filter((m) => typeof totals[m] !== 'number');
  const cells = unknownRows.flatMap((m) => counts[m]);
  const sum = cells.reduce((total, cell) => total + cell, 0);
  return keepsHiddenCells(partsOf(cells, unknownRows.flatMap((m) => states[m])), { low: sum, high: sum }, k);
}
