import { z } from 'zod';

/**
 * A calendar date with no time zone ('YYYY-MM-DD'): a day as a counselor sees
 * it on their wall calendar. The arithmetic runs on UTC midnights, where every
 * day has 24 hours, so adding days never meets a time-zone shift.
 */
export type CalendarDate = string;

const DAY_MS = 86_400_000;
const shape = /^(\d{4})-(\d{2})-(\d{2})$/;

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export const Weekday = z.enum(weekdays);
export type Weekday = z.infer<typeof Weekday>;

function utcMidnight(date: CalendarDate): number | undefined {
  const match = shape.exec(date);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March; a real date survives the round trip.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return ms;
}

function fromUtcMidnight(ms: number): CalendarDate {
  return new Date(ms).toISOString().slice(0, 10);
}

export function isCalendarDate(value: string): boolean {
  return utcMidnight(value) !== undefined;
}

export const CalendarDateString = z
  .string()
  .regex(shape, 'must be a date YYYY-MM-DD')
  .refine(isCalendarDate, 'is not a real calendar date');

function mustParse(date: CalendarDate): number {
  const ms = utcMidnight(date);
  if (ms === undefined) throw new RangeError(`not a calendar date: ${date}`);
  return ms;
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return fromUtcMidnight(mustParse(date) + days * DAY_MS);
}

/** ISO weekday of the date (Monday first, as the Indonesian working week). */
export function weekdayOf(date: CalendarDate): Weekday {
  const sundayFirst = new Date(mustParse(date)).getUTCDay();
  return weekdays[(sundayFirst + 6) % 7] as Weekday;
}

/** The year, month (1–12) and day of a valid date. */
export function calendarParts(date: CalendarDate): { year: number; month: number; day: number } {
  const d = new Date(mustParse(date));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
