import { describe, expect, it } from 'vitest';
import { programmeYearOf } from './allowance-seats.js';

describe('programmeYearOf: the calendar year in WIB of a session start', () => {
  it('turns at midnight WIB, not at midnight UTC', () => {
    expect(programmeYearOf(new Date('2026-12-31T16:59:59Z'))).toBe(2026);
    expect(programmeYearOf(new Date('2026-12-31T17:00:00Z'))).toBe(2027);
    expect(programmeYearOf(new Date('2027-01-01T00:00:00+07:00'))).toBe(2027);
  });

  it('counts a 23:30 WITA session on New Year’s Eve in the old year (22:30 WIB), and 00:30 WITA on 1 January in the old year too (23:30 WIB)', () => {
    expect(programmeYearOf(new Date('2026-12-31T23:30:00+08:00'))).toBe(2026);
    expect(programmeYearOf(new Date('2027-01-01T00:30:00+08:00'))).toBe(2026);
    expect(programmeYearOf(new Date('2027-01-01T01:30:00+08:00'))).toBe(2027);
  });
});
