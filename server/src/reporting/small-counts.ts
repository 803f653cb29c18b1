import type { ReportFigure, SuppressedCount } from '@care/shared';

/**
 * Small-count suppression with threshold k, done here so that no small
 * number leaves the server: 1 to k−1 becomes "<k". Zero stays 0 — "nobody"
 * names no one — and k and more are exact.
 */
export function suppress(count: number, k: number): SuppressedCount {
  return isHidden(count, k) ? `<${k}` : count;
}

export function isHidden(count: number, k: number): boolean {
  return count >= 1 && count < k;
}

/**
 * How a cell is shown: exactly, as "<k", or withheld (null) — every
 * non-zero count of a column of fewer than k people, where even a large
 * number says too much about too few.
 */
export type CellState = 'exact' | 'hidden' | 'withheld';

export function cellState(count: number, k: number, smallColumn = false): CellState {
  if (smallColumn && count > 0) return 'withheld';
  return isHidden(count, k) ? 'hidden' : 'exact';
}

export function shown(count: number, state: CellState, k: number): ReportFigure {
  return state === 'withheld' ? null : suppress(count, k);
}

/** What a published figure tells about a sum of cells: that it lies between `low` and `high` (equal when exact). */
export interface SumKnown {
  low: number;
  high: number;
}

/** The cells of a sum: the shown ones' values, the "<k" ones' true values, and how many are withheld (each at least 1). */
export interface SumParts {
  exact: readonly number[];
  hidden: readonly number[];
  withheld: number;
}

export function partsOf(cells: readonly number[], states: readonly CellState[]): SumParts {
  return {
    exact: cells.filter((_, i) => states[i] === 'exact'),
    hidden: cells.filter((_, i) => states[i] === 'hidden'),
    withheld: states.filter((s) => s === 'withheld').length,
  };
}

/**
 * Whether knowing a sum of cells still leaves every "<k" cell each value
 * from 1 to k−1, and every withheld cell more than one value. With the other
 * unknowns at their smallest, a "<k" cell can reach k−1 only if the sum may
 * be that large; with them at their largest, it can go down to 1 only if the
 * sum may be that small (a withheld cell has no largest, so then it can). A
 * single unknown in an exact sum never passes: the sum minus the shown cells
 * is the cell.
 */
export function keepsHiddenCells({ exact, hidden, withheld }: SumParts, known: SumKnown, k: number): boolean {
  const shownSum = exact.reduce((sum, cell) => sum + cell, 0);
  const h = hidden.length;
  if (h > 0) {
    if (known.high - shownSum - (h - 1) - withheld < k - 1) return false;
    if (withheld === 0 && known.low - shownSum - (h - 1) * (k - 1) > 1) return false;
  }
  if (withheld > 0) {
    const largest = known.high - shownSum - h - (withheld - 1);
    const smallest = withheld > 1 ? 1 : Math.max(1, known.low - shownSum - h * (k - 1));
    if (largest <= smallest) return false;
  }
  return true;
}

/** What a total, as published, tells about the sum of its cells. */
export function sumKnownFrom(total: number, k: number): SumKnown {
  return isHidden(total, k) ? { low: 1, high: k - 1 } : { low: total, high: total };
}

/**
 * A total over cells: published when it leaves every hidden cell its whole
 * range (and every withheld one more than one value), and withheld (null)
 * otherwise — complementary suppression of the total, so that the total
 * minus the shown cells cannot give a hidden one back or narrow it.
 */
export function suppressTotal(cells: readonly number[], k: number, states: readonly CellState[] = cells.map((c) => cellState(c, k))): ReportFigure {
  const total = cells.reduce((sum, cell) => sum + cell, 0);
  return keepsHiddenCells(partsOf(cells, states), sumKnownFrom(total, k), k) ? suppress(total, k) : null;
}
