import { NO_UNIT, type ReportFigure } from '@care/shared';
import { cellState, shown, suppressTotal } from './small-counts.js';
import { byUnitColumn, unitGroups } from './unit-groups.js';

/** Raw counts in unit columns: one number per column for each measure, in the same column order. */
export interface UnitTable<M extends string> {
  columns: string[];
  /** Per column: whether it has fewer than k people (only the merged "other" can). */
  small: boolean[];
  counts: Record<M, number[]>;
}

/**
 * Counts by unit code into the report's columns: units of fewer than k
 * people (by `sizes`, the ASN accounts of each unit when the period ended)
 * merged into "other"; columns with nothing at all left out; a stable order.
 * A unit not in `sizes` has no people and so is merged too.
 */
export function groupByUnit<M extends string>(measures: readonly M[], byUnit: ReadonlyMap<string, Record<M, number>>, sizes: ReadonlyMap<string, number>, k: number): UnitTable<M> {
  const groupOf = unitGroups(sizes, k);
  const people = new Map<string, number>();
  for (const [unit, size] of sizes) people.set(groupOf(unit), (people.get(groupOf(unit)) ?? 0) + size);
  const byColumn = new Map<string, Record<M, number>>();
  for (const [unit, cell] of byUnit) {
    const column = groupOf(unit);
    const sum = byColumn.get(column) ?? zeroes(measures);
    for (const measure of measures) sum[measure] += cell[measure];
    byColumn.set(column, sum);
  }
  const columns = [...byColumn].filter(([, cell]) => measures.some((m) => cell[m] > 0)).map(([column]) => column).sort(byUnitColumn(NO_UNIT));
  return {
    columns,
    small: columns.map((column) => (people.get(column) ?? 0) < k),
    counts: Object.fromEntries(measures.map((m) => [m, columns.map((c) => byColumn.get(c)?.[m] ?? 0)])) as Record<M, number[]>,
  };
}

export interface PublishedTable<M extends string> {
  cells: Record<M, ReportFigure[]>;
  totals: Record<M, ReportFigure>;
}

/**
 * The primary and complementary suppression of a table, measure by measure:
 * 1..k−1 as "<k", every non-zero cell of a small column withheld, and a
 * measure's total withheld when it would narrow a hidden cell
 * (small-counts.ts). For tables with no other published sum over their
 * cells; the report's own month has more (report-suppression.ts).
 */
export function publishTable<M extends string>(measures: readonly M[], { counts, small }: Pick<UnitTable<M>, 'counts' | 'small'>, k: number): PublishedTable<M> {
  const cells = {} as Record<M, ReportFigure[]>;
  const totals = {} as Record<M, ReportFigure>;
  for (const measure of measures) {
    const states = counts[measure].map((count, i) => cellState(count, k, small[i] ?? false));
    cells[measure] = counts[measure].map((count, i) => shown(count, states[i] ?? 'exact', k));
    totals[measure] = suppressTotal(counts[measure], k, states);
  }
  return { cells, totals };
}

export function zeroes<M extends string>(measures: readonly M[]): Record<M, number> {
  return Object.fromEntries(measures.map((m) => [m, 0])) as Record<M, number>;
}

/** A row of figures by measure: the published cells of one column, or the totals. */
export function figuresOf<M extends string>(measures: readonly M[], pick: (measure: M) => ReportFigure): Record<M, ReportFigure> {
  return Object.fromEntries(measures.map((m) => [m, pick(m)])) as Record<M, ReportFigure>;
}
