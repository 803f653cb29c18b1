import { OTHER_UNITS } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { bandOf } from './programme-report.js';
import { groupByUnit, publishTable } from './suppressed-table.js';

const measures = ['referred', 'accepted'] as const;

describe('a table by unit, suppressed', () => {
  it('merges units of fewer than k people into "other", leaves out empty columns, and keeps a stable order', () => {
    const byUnit = new Map([
      ['ZETA', { referred: 12, accepted: 0 }],
      ['ALPHA', { referred: 3, accepted: 1 }],
      ['SMALL', { referred: 2, accepted: 0 }],
      ['EMPTY', { referred: 0, accepted: 0 }],
      ['UNKNOWN', { referred: 1, accepted: 0 }],
    ]);
    const table = groupByUnit(measures, byUnit, new Map([['ZETA', 10], ['ALPHA', 11], ['SMALL', 3], ['EMPTY', 40]]), 10);
    expect(table.columns).toEqual(['ALPHA', 'ZETA', OTHER_UNITS]);
    // "other" is SMALL (3 people) and UNKNOWN (none): still fewer than k.
    expect(table.small).toEqual([false, false, true]);
    expect(table.counts).toEqual({ referred: [3, 12, 3], accepted: [1, 0, 0] });
  });

  it('shows 1..k−1 as "<k", withholds a small column’s counts, and withholds a total that would give a hidden cell back', () => {
    const published = publishTable(measures, { counts: { referred: [3, 12, 3], accepted: [1, 0, 0] }, small: [false, false, true] }, 10);
    expect(published.cells).toEqual({ referred: ['<10', 12, null], accepted: ['<10', 0, 0] });
    // 18 − 12 would be the two hidden ones together (6): each could no longer reach 9.
    expect(published.totals.referred).toBeNull();
    // One small cell alone: the total says "<10", no more.
    expect(published.totals.accepted).toBe('<10');
  });

  it('shows a total that leaves every hidden cell its whole range', () => {
    const published = publishTable(['n'] as const, { counts: { n: [3, 7, 12] }, small: [false, false, false] }, 10);
    expect(published.totals.n).toBe(22);
  });
});

describe('accompaniment bands', () => {
  it('puts each number of sessions in one band', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 30].map(bandOf)).toEqual(['1', '2', '3-4', '3-4', '5-8', '5-8', '9+', '9+']);
  });
});
