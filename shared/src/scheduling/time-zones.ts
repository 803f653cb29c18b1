import { TZDate, tzOffset } from '@date-fns/tz';
import { z } from 'zod';
import { calendarParts, type CalendarDate } from './calendar-date.js';

/**
 * Time zones. Indonesia has three and no daylight saving, but the maths still
 * goes through the IANA database (via Intl, through @date-fns/tz) rather than
 * fixed offsets: a counselor may sit in another zone, and zone rules change.
 */
export const DEFAULT_TIME_ZONE = 'Asia/Jakarta';

/** The names Indonesians use for their zones, and the IANA zone of each. */
export const indonesianTimeZones = {
  WIB: 'Asia/Jakarta',
  WITA: 'Asia/Makassar',
  WIT: 'Asia/Jayapura',
} as const;
export type IndonesianZoneName = keyof typeof indonesianTimeZones;

/** 'WIB', 'WITA' or 'WIT' for the three Indonesian zones (and their IANA aliases); undefined elsewhere. */
export function indonesianZoneName(timeZone: string): IndonesianZoneName | undefined {
  const aliases: Record<string, IndonesianZoneName> = {
    'Asia/Jakarta': 'WIB',
    'Asia/Pontianak': 'WIB',
    'Asia/Makassar': 'WITA',
    'Asia/Ujung_Pandang': 'WITA',
    'Asia/Jayapura': 'WIT',
  };
  return aliases[timeZone];
}

// Region/City names (and UTC) only: Intl also takes '+07:00' or 'EST', which
// are offsets or abbreviations, not zones whose rules follow the place.
const ianaName = /^(?:UTC|[A-Z][A-Za-z_-]+(?:\/[A-Za-z0-9_+-]+){1,2})$/;

// Building an Intl formatter is the costly part of the check; zones once found valid stay valid.
const knownZones = new Set<string>();

export function isValidTimeZone(timeZone: string): boolean {
  if (knownZones.has(timeZone)) return true;
  if (!ianaName.test(timeZone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return false;
  }
  knownZones.add(timeZone);
  return true;
}

export const TimeZoneName = z
  .string()
  .max(64)
  .refine(isValidTimeZone, 'must be an IANA time zone such as Asia/Jakarta, Asia/Makassar or Asia/Jayapura');

/**
 * The instant at which the wall clock in `timeZone` shows `minutes` after
 * midnight of `date`. 1440 is the next midnight. A wall time skipped by a
 * daylight-saving jump moves forward by the jump (02:30 becomes 03:30).
 */
export function instantAt(date: CalendarDate, minutes: number, timeZone: string): Date {
  const { year, month, day } = calendarParts(date);
  const instant = new TZDate(year, month - 1, day, 0, minutes, timeZone).getTime();
  if (Number.isNaN(instant)) throw new RangeError(`unknown time zone: ${timeZone}`);
  return new Date(instant);
}

/** The calendar date the wall clock in `timeZone` shows at `instant`. */
export function calendarDateIn(instant: Date, timeZone: string): CalendarDate {
  const local = new TZDate(instant.getTime(), timeZone);
  if (Number.isNaN(local.getTime())) throw new RangeError(`invalid instant or time zone: ${timeZone}`);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${String(local.getFullYear()).padStart(4, '0')}-${pad(local.getMonth() + 1)}-${pad(local.getDate())}`;
}

/** The UTC offset, in minutes, that `timeZone` has at `instant` (+420 for Jakarta). */
export function utcOffsetMinutes(instant: Date, timeZone: string): number {
  // tzOffset keeps one formatter per zone: this runs for every line of every calendar file.
  const offset = tzOffset(timeZone, instant);
  if (Number.isNaN(offset)) throw new RangeError(`no UTC offset for ${timeZone}`);
  return offset;
}

/** What the wall clock in `timeZone` shows at `instant`, field by field (month 1..12). */
export function wallClockIn(
  instant: Date,
  timeZone: string,
): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const local = new TZDate(instant.getTime(), timeZone);
  if (Number.isNaN(local.getTime())) throw new RangeError(`invalid instant or time zone: ${timeZone}`);
  return {
    year: local.getFullYear(),
    month: local.getMonth() + 1,
    day: local.getDate(),
    hour: local.getHours(),
    minute: local.getMinutes(),
    second: local.getSeconds(),
  };
}

/** Minutes after local midnight that the wall clock in `timeZone` shows at `instant`. */
export function minutesOfDayIn(instant: Date, timeZone: string): number {
  const local = new TZDate(instant.getTime(), timeZone);
  return local.getHours() * 60 + local.getMinutes();
}
