import { OTHER_UNITS } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { publishMonth, type MonthCounts } from './report-suppression.js';
import { byUnitColumn, unitGroups } from './unit-groups.js';

const month = (counts: Partial<MonthCounts['counts']>, circleSeats: number | null = null, small = [false, false, false]): MonthCounts => {
  const columns = ['A', 'B', 'C'];
  const zero = columns.map(() => 0);
  return { columns, small, counts: { held: zero, noShows: zero, cancellations: zero, circle: zero, ...counts }, circleSeats };
};

describe('what of a month is shown', () => {
  it('shows every figure of a month without small counts', () => {
    const shown = publishMonth(month({ held: [12, 20, 0], noShows: [10, 0, 0] }), 10);
    expect(shown.cells.held).toEqual([12, 20, 0]);
    expect(shown.totals).toEqual({ held: 32, noShows: 10, cancellations: 0, circle: 0 });
    expect(shown.utilisationShown).toBe(true);
  });

  it('hides small cells, withholds the totals that would narrow them, and the utilisation that would give them back', () => {
    const shown = publishMonth(month({ held: [12, 3, 0], noShows: [2, 0, 15] }), 10);
    expect(shown.cells.held).toEqual([12, '<10', 0]);
    expect(shown.cells.noShows).toEqual(['<10', 0, 15]);
    expect(shown.totals.held).toBeNull();
    expect(shown.totals.noShows).toBeNull();
    // Held + no-shows = 32 would leave 3 + 2 = 5 for the two hidden cells: neither could be 9.
    expect(shown.utilisationShown).toBe(false);
  });

  it('shows the utilisation when held + no-shows still leaves every hidden cell its whole range', () => {
    const shown = publishMonth(month({ held: [12, 3, 0], noShows: [7, 0, 15] }), 10);
    expect(shown.totals.held).toBeNull();
    expect(shown.totals.noShows).toBeNull();
    // 3 + 7 = 10: either could be anything from 1 to 9.
    expect(shown.utilisationShown).toBe(true);
  });

  it('counts a total shown as "<k" as unknown: the utilisation would tell it exactly', () => {
    // No-shows: one hidden 2, total "<10"; held: 12 and 3, total withheld. Held + no-shows = 17 leaves 3 + 2.
    const shown = publishMonth(month({ held: [12, 3, 0], noShows: [2, 0, 0] }), 10);
    expect(shown.totals.noShows).toBe('<10');
    expect(shown.utilisationShown).toBe(false);
  });

  it('withholds the utilisation when one total is shown and the other row has a hidden cell', () => {
    const shown = publishMonth(month({ held: [12, 3, 0], noShows: [10, 0, 0] }), 10);
    expect(shown.totals.noShows).toBe(10);
    expect(shown.utilisationShown).toBe(false);
  });

  it('withholds the whole circle row when the seats of the month would cap a hidden cell', () => {
    // 12 seats, 11 shown in A: B's hidden 1 could be no more than 1.
    const capped = publishMonth(month({ circle: [11, 1, 0] }, 12), 10);
    expect(capped.cells.circle).toEqual([null, null, null]);
    expect(capped.totals.circle).toBeNull();
    // 40 seats leave it room.
    const roomy = publishMonth(month({ circle: [11, 1, 0] }, 40), 10);
    expect(roomy.cells.circle).toEqual([11, '<10', 0]);
  });
});

describe('a column of fewer than k people ("other" still small)', () => {
  it('withholds every non-zero count of it, large ones too, and every total that would pin one', () => {
    const shown = publishMonth(month({ held: [12, 20, 14], noShows: [0, 0, 3], cancellations: [10, 0, 0] }, null, [false, false, true]), 10);
    expect(shown.cells.held).toEqual([12, 20, null]);
    expect(shown.cells.noShows).toEqual([0, 0, null]);
    expect(shown.cells.cancellations).toEqual([10, 0, 0]);
    // 46 − 32 would be C's 14.
    expect(shown.totals.held).toBeNull();
    expect(shown.totals.noShows).toBe('<10');
    expect(shown.totals.cancellations).toBe(10);
    // Held + no-shows tells C's two together (17): each still has many values.
    expect(shown.utilisationShown).toBe(true);
    // Together only 2: both would be 1.
    const tight = publishMonth(month({ held: [12, 20, 1], noShows: [0, 0, 1] }, null, [false, false, true]), 10);
    expect(tight.utilisationShown).toBe(false);
  });
});

describe('unit columns', () => {
  it('merges units with fewer than k people into "other", in a stable order', () => {
    const groupOf = unitGroups(new Map([['DINKES', 12], ['BKD', 9], ['—', 10]]), 10);
    expect(['DINKES', 'BKD', '—', 'NEW'].map(groupOf)).toEqual(['DINKES', OTHER_UNITS, '—', OTHER_UNITS]);
    expect([OTHER_UNITS, '—', 'ZETA', 'ALPHA'].sort(byUnitColumn('—'))).toEqual(['ALPHA', 'ZETA', '—', OTHER_UNITS]);
  });
});
