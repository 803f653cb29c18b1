import { describe, expect, it } from 'vitest';
import { escapeText, foldLine, icsText, quoteParam, utcDateTime, wallDateTime } from './ics-content.js';

describe('RFC 5545 content lines', () => {
  it('escapes TEXT values', () => {
    expect(escapeText('a;b,c\\d\ne')).toBe('a\\;b\\,c\\\\d\\ne');
  });

  it('quotes parameter values and drops what they cannot hold', () => {
    expect(quoteParam('CARE ASN: "dev"')).toBe('"CARE ASN: dev"');
  });

  it('folds at 75 octets, never inside a character, with a space on each continuation', () => {
    const line = `DESCRIPTION:${'é'.repeat(100)}`;
    const folded = foldLine(line);
    const parts = folded.split('\r\n');
    expect(parts.length).toBeGreaterThan(1);
    for (const [i, part] of parts.entries()) {
      expect(Buffer.byteLength(part, 'utf8')).toBeLessThanOrEqual(75);
      if (i > 0) expect(part.startsWith(' ')).toBe(true);
    }
    // Unfolding (§3.1: remove CRLF + one space) gives the line back.
    expect(folded.replace(/\r\n /g, '')).toBe(line);
    expect(foldLine('SHORT:1')).toBe('SHORT:1');
  });

  it('ends every line with CRLF', () => {
    expect(icsText(['A:1', 'B:2'])).toBe('A:1\r\nB:2\r\n');
  });

  it('writes UTC and wall-clock date-times', () => {
    const instant = new Date('2026-03-02T02:00:00Z');
    expect(utcDateTime(instant)).toBe('20260302T020000Z');
    expect(wallDateTime(instant, 'Asia/Jakarta')).toBe('20260302T090000');
    expect(wallDateTime(instant, 'Asia/Makassar')).toBe('20260302T100000');
    expect(wallDateTime(instant, 'Asia/Jayapura')).toBe('20260302T110000');
    // Past midnight in the zone, the date moves on too.
    expect(wallDateTime(new Date('2026-03-02T18:30:00Z'), 'Asia/Jayapura')).toBe('20260303T033000');
  });
});
