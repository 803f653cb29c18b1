import { describe, expect, it } from 'vitest';
import { weeklyStarts } from './weekly-series.js';

describe('weekly series', () => {
  it.each([
    ['WIB', 'Asia/Jakarta', '2026-03-02T12:00:00.000Z', '19:00'],
    ['WITA', 'Asia/Makassar', '2026-03-02T11:00:00.000Z', '19:00'],
    ['WIT', 'Asia/Jayapura', '2026-03-02T10:00:00.000Z', '19:00'],
  ] as const)('keeps 19:00 %s (%s) every week, crossing a month end', (_name, zone, first, wall) => {
    const starts = weeklyStarts(new Date(first), zone, 6);
    expect(starts).toHaveLength(6);
    const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: zone });
    const weekday = new Intl.DateTimeFormat('en-GB', { weekday: 'short', timeZone: zone });
    for (const [i, start] of starts.entries()) {
      expect(clock.format(start)).toBe(wall);
      expect(weekday.format(start)).toBe('Mon');
      // No daylight saving in Indonesia: exactly a week apart.
      expect(start.getTime() - Date.parse(first)).toBe(i * 7 * 86_400_000);
    }
    expect(starts[4]?.toISOString().slice(0, 10)).toBe('2026-03-30');
    expect(starts[5]?.toISOString().slice(0, 10)).toBe('2026-04-06');
  });

  it('uses the local date, not the UTC one: 06:30 WIT on Monday is Sunday evening in UTC', () => {
    const first = new Date('2026-03-01T21:30:00Z'); // Monday 2 March 06:30 WIT
    const starts = weeklyStarts(first, 'Asia/Jayapura', 3);
    expect(starts.map((s) => s.toISOString())).toEqual(['2026-03-01T21:30:00.000Z', '2026-03-08T21:30:00.000Z', '2026-03-15T21:30:00.000Z']);
  });

  it('keeps the wall-clock hour across a daylight-saving change (a facilitator abroad)', () => {
    // Europe/Amsterdam moves from UTC+1 to UTC+2 on 29 March 2026.
    const starts = weeklyStarts(new Date('2026-03-23T18:00:00Z'), 'Europe/Amsterdam', 2); // 19:00 local
    expect(starts.map((s) => s.toISOString())).toEqual(['2026-03-23T18:00:00.000Z', '2026-03-30T17:00:00.000Z']);
  });

  it('gives one start for a one-off and refuses a count below one', () => {
    expect(weeklyStarts(new Date('2026-03-02T02:00:00Z'), 'Asia/Jakarta', 1)).toHaveLength(1);
    expect(() => weeklyStarts(new Date('2026-03-02T02:00:00Z'), 'Asia/Jakarta', 0)).toThrow(RangeError);
  });
});
