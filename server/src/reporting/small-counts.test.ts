import { describe, expect, it } from 'vitest';
import { keepsHiddenCells, suppress, suppressTotal } from './small-counts.js';

describe('small-count suppression', () => {
  it('shows 1..k−1 as "<k", and 0 and k or more exactly', () => {
    expect([0, 1, 4, 9, 10, 17].map((n) => suppress(n, 10))).toEqual([0, '<10', '<10', '<10', 10, 17]);
    expect([0, 1, 4, 5].map((n) => suppress(n, 5))).toEqual([0, '<5', '<5', 5]);
  });

  it('withholds a total that would give a single hidden cell back', () => {
    expect(suppressTotal([3, 10], 10)).toBeNull();
    expect(suppressTotal([15, 10, 0], 10)).toBe(25);
    expect(suppressTotal([0, 0], 10)).toBe(0);
  });

  it('withholds a total that would narrow two hidden cells, and shows one that leaves each every value 1..k−1', () => {
    // 1 + 1 = 2: both would be known to be 1.
    expect(suppressTotal([1, 1, 20], 10)).toBeNull();
    // 9 + 9 = 18: both would be known to be 9.
    expect(suppressTotal([9, 9], 10)).toBeNull();
    // 3 + 4 = 7: neither could be 9 (the other is at least 1).
    expect(suppressTotal([3, 4, 12], 10)).toBeNull();
    // 3 + 7 = 10: either could be anything from 1 to 9.
    expect(suppressTotal([3, 7, 12], 10)).toBe(22);
    // A total that is itself small says no more than the one small cell in it.
    expect(suppressTotal([4, 0], 10)).toBe('<10');
    expect(suppressTotal([4, 2], 10)).toBeNull();
  });

  it('tests a sum against every value of every hidden cell', () => {
    const parts = (exact: number[], hidden: number[], withheld = 0) => ({ exact, hidden, withheld });
    expect(keepsHiddenCells(parts([], [5]), { low: 5, high: 5 }, 10)).toBe(false);
    expect(keepsHiddenCells(parts([12], [2, 3, 9]), { low: 26, high: 26 }, 10)).toBe(true);
    // Only an upper bound: each hidden cell must still be able to reach k−1.
    expect(keepsHiddenCells(parts([10], [2]), { low: Number.NEGATIVE_INFINITY, high: 19 }, 10)).toBe(true);
    expect(keepsHiddenCells(parts([10], [2]), { low: Number.NEGATIVE_INFINITY, high: 13 }, 10)).toBe(false);
  });

  it('keeps a withheld cell open too: never the only unknown of an exact sum', () => {
    expect(keepsHiddenCells({ exact: [12], hidden: [], withheld: 1 }, { low: 30, high: 30 }, 10)).toBe(false);
    // Beside a "<k" cell, the withheld one moves with it over nine values, and the "<k" one keeps its range.
    expect(keepsHiddenCells({ exact: [12], hidden: [3], withheld: 1 }, { low: 30, high: 30 }, 10)).toBe(true);
    // Two withheld cells summing to 2 are both 1.
    expect(keepsHiddenCells({ exact: [], hidden: [], withheld: 2 }, { low: 2, high: 2 }, 10)).toBe(false);
    expect(keepsHiddenCells({ exact: [], hidden: [], withheld: 2 }, { low: 25, high: 25 }, 10)).toBe(true);
    expect(suppressTotal([12, 18], 10, ['exact', 'withheld'])).toBeNull();
  });
});
