import { AvailabilityRules, instantAt } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { preferredSeat } from './day-seats.js';

const rules = (overrides: Record<string, unknown>) => AvailabilityRules.parse({ timeZone: 'Asia/Makassar', weekly: [], ...overrides });

describe('preferredSeat', () => {
  it('gives every slot of a day its own seat when the day has no more slots than seats', () => {
    const day = rules({ sessionMinutes: 50, bufferMinutes: 10, maxPerDay: 8 });
    // 08:00 … 15:00 WITA: eight hourly slots, eight seats.
    const seats = Array.from({ length: 8 }, (_, i) => preferredSeat(instantAt('2026-12-10', (8 + i) * 60, 'Asia/Makassar'), day));
    expect(new Set(seats).size).toBe(8);
    expect(seats.every((n) => n >= 1 && n <= 8)).toBe(true);
  });

  it('keeps to 1..maxPerDay, and bookings a step apart never share a number within one wrap', () => {
    const day = rules({ sessionMinutes: 30, bufferMinutes: 15, maxPerDay: 3 });
    const starts = [0, 45, 90, 135].map((minutes) => instantAt('2026-12-10', 9 * 60 + minutes, 'Asia/Makassar'));
    const seats = starts.map((startsAt) => preferredSeat(startsAt, day));
    expect(seats.every((n) => n >= 1 && n <= 3)).toBe(true);
    expect(new Set(seats.slice(0, 3)).size).toBe(3);
    // The fourth wraps onto the first: the claim then reads the day and takes a free number.
    expect(seats[3]).toBe(seats[0]);
  });

  it('reads the slot in the counselor’s own zone', () => {
    const startsAt = new Date('2026-12-10T01:00:00Z');
    const hourly = { sessionMinutes: 50, bufferMinutes: 10, maxPerDay: 24 };
    // 08:00 in Jakarta (WIB), 10:00 in Jayapura (WIT).
    expect(preferredSeat(startsAt, rules({ ...hourly, timeZone: 'Asia/Jakarta' }))).toBe(9);
    expect(preferredSeat(startsAt, rules({ ...hourly, timeZone: 'Asia/Jayapura' }))).toBe(11);
  });
});
