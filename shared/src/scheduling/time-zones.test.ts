import { describe, expect, it } from 'vitest';
import { addDays, calendarParts, isCalendarDate, weekdayOf } from './calendar-date.js';
import { formatTimeOfDay, minutesOfDay } from './time-of-day.js';
import { calendarDateIn, indonesianTimeZones, indonesianZoneName, instantAt, isValidTimeZone, minutesOfDayIn } from './time-zones.js';

describe('Indonesian time zones', () => {
  it.each([
    ['WIB', 'Asia/Jakarta', '2026-03-02T02:00:00.000Z'],
    ['WITA', 'Asia/Makassar', '2026-03-02T01:00:00.000Z'],
    ['WIT', 'Asia/Jayapura', '2026-03-02T00:00:00.000Z'],
  ] as const)('09:00 %s (%s) is %s', (name, zone, utc) => {
    expect(indonesianTimeZones[name]).toBe(zone);
    expect(indonesianZoneName(zone)).toBe(name);
    expect(instantAt('2026-03-02', 9 * 60, zone).toISOString()).toBe(utc);
  });

  it('has no daylight saving: the same offset in January and July', () => {
    for (const zone of Object.values(indonesianTimeZones)) {
      const january = instantAt('2026-01-15', 12 * 60, zone).getTime() - Date.UTC(2026, 0, 15, 12);
      const july = instantAt('2026-07-15', 12 * 60, zone).getTime() - Date.UTC(2026, 6, 15, 12);
      expect(july).toBe(january);
    }
  });

  it('reads the local date across midnight UTC', () => {
    // 23:30 UTC on Sunday is already Monday in all three Indonesian zones.
    const instant = new Date('2026-03-01T23:30:00Z');
    expect(calendarDateIn(instant, 'UTC')).toBe('2026-03-01');
    expect(calendarDateIn(instant, 'Asia/Jakarta')).toBe('2026-03-02');
    expect(minutesOfDayIn(instant, 'Asia/Jakarta')).toBe(6 * 60 + 30);
    expect(calendarDateIn(instant, 'Asia/Jayapura')).toBe('2026-03-02');
    expect(minutesOfDayIn(instant, 'Asia/Jayapura')).toBe(8 * 60 + 30);
    // and local midnight in WIT is 15:00 UTC the day before
    expect(instantAt('2026-03-02', 0, 'Asia/Jayapura').toISOString()).toBe('2026-03-01T15:00:00.000Z');
    expect(instantAt('2026-03-02', 1440, 'Asia/Jayapura').toISOString()).toBe('2026-03-02T15:00:00.000Z');
  });

  it('names only IANA zones as valid', () => {
    for (const zone of ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura', 'UTC', 'Europe/Amsterdam', 'America/Argentina/Buenos_Aires']) {
      expect(isValidTimeZone(zone), zone).toBe(true);
    }
    for (const zone of ['', 'WIB', 'EST', '+07:00', 'GMT+7', 'Asia/Nowhere', 'asia/jakarta;drop', 'Nope/Zone']) {
      expect(isValidTimeZone(zone), zone).toBe(false);
    }
  });

  it('follows daylight saving where a zone has it (Europe/Amsterdam, 29 March 2026)', () => {
    expect(instantAt('2026-03-28', 9 * 60, 'Europe/Amsterdam').toISOString()).toBe('2026-03-28T08:00:00.000Z');
    expect(instantAt('2026-03-29', 9 * 60, 'Europe/Amsterdam').toISOString()).toBe('2026-03-29T07:00:00.000Z');
    // 02:30 does not exist that night; it moves forward by the jump.
    expect(instantAt('2026-03-29', 2 * 60 + 30, 'Europe/Amsterdam').toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });
});

describe('calendar dates and times of day', () => {
  it('adds days across months, years and leap days', () => {
    expect(addDays('2026-02-28', 1)).toBe('2026-03-01');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('knows the weekday, Monday first', () => {
    expect(weekdayOf('2026-03-02')).toBe('mon');
    expect(weekdayOf('2026-03-01')).toBe('sun');
    expect(weekdayOf('2026-03-07')).toBe('sat');
  });

  it('refuses dates that do not exist', () => {
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-13-01')).toBe(false);
    expect(isCalendarDate('2026-3-1')).toBe(false);
    expect(isCalendarDate('2028-02-29')).toBe(true);
    expect(() => calendarParts('2026-02-30')).toThrow(RangeError);
  });

  it('converts times of day', () => {
    expect(minutesOfDay('00:00')).toBe(0);
    expect(minutesOfDay('09:30')).toBe(570);
    expect(minutesOfDay('24:00')).toBe(1440);
    expect(() => minutesOfDay('9:30')).toThrow(RangeError);
    expect(formatTimeOfDay(570)).toBe('09:30');
  });
});
