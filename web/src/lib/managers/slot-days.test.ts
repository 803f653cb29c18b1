import { describe, expect, it } from 'vitest';
import { groupByLocalDate, localDate, zoneLabel } from './slot-days.js';

describe('schedule formatting', () => {
  it('groups slots by the local date of the viewer, not UTC', () => {
    // 23:30 UTC on 1 March is already 2 March in Jakarta (UTC+7) and Jayapura (UTC+9).
    const slots = [
      { startsAt: '2026-03-02T02:00:00Z' },
      { startsAt: '2026-03-01T23:30:00Z' },
      { startsAt: '2026-03-01T10:00:00Z' },
    ];
    const jakarta = groupByLocalDate(slots, 'Asia/Jakarta');
    expect(jakarta.map((d) => [d.date, d.items.length])).toEqual([
      ['2026-03-01', 1],
      ['2026-03-02', 2],
    ]);
    expect(jakarta[1]?.items[0]?.startsAt).toBe('2026-03-01T23:30:00Z');
    expect(localDate('2026-03-01T16:30:00Z', 'Asia/Jakarta')).toBe('2026-03-01');
    expect(localDate('2026-03-01T16:30:00Z', 'Asia/Jayapura')).toBe('2026-03-02');
  });

  it('names the Indonesian zones WIB, WITA and WIT', () => {
    expect(zoneLabel('Asia/Jakarta')).toBe('WIB');
    expect(zoneLabel('Asia/Makassar')).toBe('WITA');
    expect(zoneLabel('Asia/Jayapura')).toBe('WIT');
    expect(zoneLabel('Europe/Amsterdam')).toBe('Europe/Amsterdam');
  });
});
