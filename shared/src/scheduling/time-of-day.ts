import { z } from 'zod';

/**
 * A wall-clock time 'HH:MM' within a day. Ranges end at most at '24:00' (the
 * end of the day); a range never crosses midnight — the editor splits one that
 * would into two days' ranges.
 */
export type TimeOfDay = string;

const clock = /^([01]\d|2[0-3]):([0-5]\d)$/;

export const StartTime = z.string().regex(clock, 'must be a time HH:MM between 00:00 and 23:59');
export const EndTime = z
  .string()
  .refine((value) => value === '24:00' || clock.test(value), 'must be a time HH:MM between 00:01 and 24:00');

/** Minutes after local midnight; '24:00' is 1440. */
export function minutesOfDay(time: TimeOfDay): number {
  if (time === '24:00') return 1440;
  const match = clock.exec(time);
  if (!match) throw new RangeError(`not a time of day: ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

export function formatTimeOfDay(minutes: number): TimeOfDay {
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > 1440) throw new RangeError(`not minutes of a day: ${minutes}`);
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}
