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
 * What a published figure tells about a sum of cells: that it lies between
 * `low` and `high` (equal when the figure is exact).
 */
export interface SumKnown {
  low: number;
  high: number;
}

/**
 * Whether knowing a sum of cells — `exact` the published cells among them,
 * `hidden` the true values of the ones shown as "<k" — still leaves every
 * hidden cell each value from 1 to k−1. With the others at their smallest
 * (1), a hidden cell can reach k−1 only if the sum may be that large; with
 * the others at their largest (k−1), it can go down to 1 only if the sum may
 * be that small. A single hidden cell in an exact sum never passes: the sum
 * minus the exact cells is the cell.
 */
export function keepsHiddenCells(exact: readonly number[], hidden: readonly number[], known: SumKnown, k: number): boolean {
  if (hidden.length === 0) return true;
  const exactSum = exact.reduce((sum, cell) => sum + cell, 0);
  const others = hidden.length - 1;
  const canReachTop = known.high - exactSum - others * 1 >= k - 1;
  const canReachBottom = known.low - exactSum - others * (k - 1) <= 1;
  return canReachTop && canReachBottom;
}

/** What a total, as published, tells about the sum of its cells. */
export function sumKnownFrom(total: number, k: number): SumKnown {
  return isHidden(total, k) ? { low: 1, high: k - 1 } : { low: total, high: total };
}

/**
 * A total over cells: published when it leaves every hidden cell its whole
 * range 1..k−1, and withheld (null) otherwise — complementary suppression
 * of the total, so that the total minus the shown cells cannot give a hidden
 * one back or narrow it.
 */
export function suppressTotal(cells: readonly number[], k: number): ReportFigure {
  const total = cells.reduce((sum, cell) => sum + cell, 0);
  const hidden = cells.filter((cell) => isHidden(cell, k));
  const exact = cells.filter((cell) => !isHidden(cell, k));
  return keepsHiddenCells(exact, hidden, sumKnownFrom(total, k), k) ? suppress(total, k) : null;
}
