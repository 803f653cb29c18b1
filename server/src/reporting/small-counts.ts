import type { SuppressedCount } from '@care/shared';

/**
 * Small-count suppression, done here so that the raw number never leaves the
 * server: 1–4 becomes "<5". Zero stays 0 — "nobody" names no one — and 5 and
 * more are exact.
 */
export function suppress(count: number): SuppressedCount {
  return count >= 1 && count <= 4 ? '<5' : count;
}

/**
 * A total over cells: withheld (null) when any cell was suppressed, because
 * the total minus the exact cells would give the small number back
 * (complementary suppression); otherwise suppressed like any count.
 */
export function suppressTotal(cells: readonly number[]): SuppressedCount | null {
  if (cells.some((cell) => suppress(cell) === '<5')) return null;
  return suppress(cells.reduce((sum, cell) => sum + cell, 0));
}
