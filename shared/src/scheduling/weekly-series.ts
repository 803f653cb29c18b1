import { addDays } from './calendar-date.js';
import { calendarDateIn, instantAt, minutesOfDayIn } from './time-zones.js';

/**
 * The starts of a series that meets at the same wall-clock time in `timeZone`
 * every week, beginning at `first`: the local date moves by seven days and the
 * local time stays, so a series keeps its hour in the zone even where the
 * offset changes (daylight saving elsewhere; WIB, WITA and WIT have none).
 */
export function weeklyStarts(first: Date, timeZone: string, occurrences: number): Date[] {
  if (!Number.isInteger(occurrences) || occurrences < 1) throw new RangeError(`occurrences must be a positive integer: ${occurrences}`);
  const date = calendarDateIn(first, timeZone);
  const minutes = minutesOfDayIn(first, timeZone);
  // Seconds are not on the wall clock; keep whatever the first start carried.
  const belowMinute = first.getTime() % 60_000;
  return Array.from({ length: occurrences }, (_, week) =>
    week === 0 ? new Date(first.getTime()) : new Date(instantAt(addDays(date, 7 * week), minutes, timeZone).getTime() + belowMinute),
  );
}
