import { indonesianZoneName, utcOffsetMinutes } from '@care/shared';

const DAY = 86_400_000;

/**
 * The zone's offset when it is the same all year round the event (every
 * zone of Indonesia: WIB +07:00, WITA +08:00, WIT +09:00, no daylight
 * saving); null for a zone whose offset changes within a year of it. Such a
 * zone's VTIMEZONE would need its transition rules, and a wrong one is worse
 * than none, so those events are written in UTC instead.
 */
export function fixedOffsetMinutes(timeZone: string, around: Date): number | null {
  // Every calendar file asks, for each of its events: the answer for a zone and day is kept.
  const key = `${timeZone} ${Math.floor(around.getTime() / DAY)}`;
  const known = fixedOffsets.get(key);
  if (known !== undefined) return known;
  if (fixedOffsets.size >= MAX_REMEMBERED) fixedOffsets.clear();
  const offset = scanFixedOffset(timeZone, around);
  fixedOffsets.set(key, offset);
  return offset;
}

const fixedOffsets = new Map<string, number | null>();
const MAX_REMEMBERED = 4096;

function scanFixedOffset(timeZone: string, around: Date): number | null {
  const offset = utcOffsetMinutes(around, timeZone);
  // Every fortnight from a year before to a year after: any DST rule changes the offset within that.
  for (let day = -366; day <= 366; day += 14) {
    if (utcOffsetMinutes(new Date(around.getTime() + day * DAY), timeZone) !== offset) return null;
  }
  return offset;
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/**
 * VTIMEZONE (RFC 5545 §3.6.5) of a fixed-offset zone: one STANDARD
 * observance, TZNAME the name people say (WIB, WITA, WIT) where there is one.
 */
export function fixedVtimezone(timeZone: string, offsetMinutes: number): string[] {
  const offset = formatOffset(offsetMinutes);
  const name = indonesianZoneName(timeZone);
  return [
    'BEGIN:VTIMEZONE',
    `TZID:${timeZone}`,
    'BEGIN:STANDARD',
    'DTSTART:19700101T000000',
    `TZOFFSETFROM:${offset}`,
    `TZOFFSETTO:${offset}`,
    ...(name ? [`TZNAME:${name}`] : []),
    'END:STANDARD',
    'END:VTIMEZONE',
  ];
}
