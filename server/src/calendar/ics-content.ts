/**
 * RFC 5545 content lines: the few rules every iCalendar file must get right,
 * in one place so each is tested once.
 */

import { wallClockIn } from '@care/shared';

const CRLF = '\r\n';
/** A content line is at most 75 octets, CRLF excluded (RFC 5545 §3.1). */
const MAX_OCTETS = 75;

/** TEXT values (§3.3.11): backslash, semicolon and comma escaped; newlines as \n. */
export function escapeText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r\n|\r|\n/g, '\\n');
}

/**
 * A parameter value (§3.2): quoted, since a name may hold ':' ';' or ','.
 * DQUOTE itself cannot appear in a parameter value at all, so it is dropped,
 * as are control characters.
 */
export function quoteParam(value: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${value.replace(/["\u0000-\u001f\u007f]/g, '')}"`;
}

/** How many octets UTF-8 takes for one code point. */
function utf8Octets(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/**
 * Folds one line at 75 octets (§3.1): continuation lines start with a space.
 * Counted in UTF-8 octets, and never inside a character (an Indonesian
 * calendar name is ASCII, but a counselor's zone or a translated text may not be).
 */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= MAX_OCTETS) return line;
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const char of line) {
    const size = utf8Octets(char.codePointAt(0) ?? 0);
    // The first line holds 75 octets; the others 74 after their leading space.
    const limit = parts.length === 0 ? MAX_OCTETS : MAX_OCTETS - 1;
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += char;
    octets += size;
  }
  parts.push(current);
  return parts.join(`${CRLF} `);
}

/** The lines of a calendar object, folded, each ended by CRLF. */
export function icsText(lines: readonly string[]): string {
  return lines.map(foldLine).join(CRLF) + CRLF;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A DATE-TIME in UTC (§3.3.5 form 2): 20260302T020000Z. */
export function utcDateTime(instant: Date): string {
  return (
    `${pad(instant.getUTCFullYear(), 4)}${pad(instant.getUTCMonth() + 1)}${pad(instant.getUTCDate())}` +
    `T${pad(instant.getUTCHours())}${pad(instant.getUTCMinutes())}${pad(instant.getUTCSeconds())}Z`
  );
}

/**
 * The wall-clock DATE-TIME that `timeZone` shows at `instant` (§3.3.5 form 3,
 * to be written with TZID=timeZone): 20260302T090000 for 02:00Z in Jakarta.
 */
export function wallDateTime(instant: Date, timeZone: string): string {
  const { year, month, day, hour, minute, second } = wallClockIn(instant, timeZone);
  return `${pad(year, 4)}${pad(month)}${pad(day)}T${pad(hour)}${pad(minute)}${pad(second)}`;
}
