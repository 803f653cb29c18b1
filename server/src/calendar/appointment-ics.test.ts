import { describe, expect, it } from 'vitest';
import { appointmentIcs, type CalendarEntry, type IcsOptions } from './appointment-ics.js';
import { fixedOffsetMinutes } from './vtimezone.js';

const entry: CalendarEntry = {
  uid: '65f000000000000000000001@care-asn',
  sequence: 0,
  startsAt: new Date('2026-03-02T02:00:00Z'),
  endsAt: new Date('2026-03-02T02:50:00Z'),
};

const options = (overrides: Partial<IcsOptions> = {}): IcsOptions => ({
  method: 'REQUEST',
  audience: { locale: 'id', timeZone: 'Asia/Jakarta', address: 'asn@example.go.id' },
  organizer: { name: 'CARE ASN', address: 'no-reply@care.example.go.id' },
  appUrl: 'https://care.example.go.id/appointments',
  stamp: new Date('2026-02-01T00:00:00Z'),
  ...overrides,
});

/** The unfolded lines of a calendar object. */
const lines = (ics: string) => ics.replace(/\r\n /g, '').split('\r\n');
/** A property of the VEVENT (the VTIMEZONE has a DTSTART of its own), or of the calendar. */
const value = (ics: string, name: string) => {
  const all = lines(ics);
  const event = all.slice(all.indexOf('BEGIN:VEVENT'));
  const match = (l: string) => l.startsWith(`${name}:`) || l.startsWith(`${name};`);
  return event.find(match) ?? all.find(match);
};

describe('appointment calendar object', () => {
  it('has a neutral title in the recipient language, and nothing else about the session', () => {
    expect(value(appointmentIcs(entry, options()), 'SUMMARY')).toBe('SUMMARY:Janji CARE ASN');
    const en = appointmentIcs(entry, options({ audience: { locale: 'en', timeZone: 'Asia/Jakarta' } }));
    expect(value(en, 'SUMMARY')).toBe('SUMMARY:CARE ASN appointment');
    expect(value(en, 'CLASS')).toBe('CLASS:PRIVATE');
    expect(en).not.toMatch(/counsel|konsel|topic|topik/i);
  });

  it('writes the start in the recipient zone with its VTIMEZONE (WIB, WITA, WIT)', () => {
    const wib = appointmentIcs(entry, options());
    expect(value(wib, 'DTSTART')).toBe('DTSTART;TZID=Asia/Jakarta:20260302T090000');
    expect(value(wib, 'DTEND')).toBe('DTEND;TZID=Asia/Jakarta:20260302T095000');
    expect(wib).toContain('BEGIN:VTIMEZONE\r\nTZID:Asia/Jakarta\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0700\r\nTZOFFSETTO:+0700\r\nTZNAME:WIB\r\n');
    const wita = appointmentIcs(entry, options({ audience: { locale: 'id', timeZone: 'Asia/Makassar' } }));
    expect(value(wita, 'DTSTART')).toBe('DTSTART;TZID=Asia/Makassar:20260302T100000');
    expect(wita).toContain('TZOFFSETTO:+0800\r\nTZNAME:WITA');
    const wit = appointmentIcs(entry, options({ audience: { locale: 'id', timeZone: 'Asia/Jayapura' } }));
    expect(value(wit, 'DTSTART')).toBe('DTSTART;TZID=Asia/Jayapura:20260302T110000');
    expect(wit).toContain('TZOFFSETTO:+0900\r\nTZNAME:WIT');
    // DTSTAMP is always UTC (RFC 5545 §3.8.7.2).
    expect(value(wib, 'DTSTAMP')).toBe('DTSTAMP:20260201T000000Z');
  });

  it('falls back to UTC for a zone with daylight saving rather than a wrong VTIMEZONE', () => {
    expect(fixedOffsetMinutes('Europe/Amsterdam', entry.startsAt)).toBeNull();
    const ics = appointmentIcs(entry, options({ audience: { locale: 'en', timeZone: 'Europe/Amsterdam' } }));
    expect(value(ics, 'DTSTART')).toBe('DTSTART:20260302T020000Z');
    expect(ics).not.toContain('VTIMEZONE');
  });

  it('keeps the UID and carries the SEQUENCE, so a reschedule updates the same event', () => {
    const first = appointmentIcs(entry, options());
    const moved = appointmentIcs({ ...entry, sequence: 1, startsAt: new Date('2026-03-03T02:00:00Z'), endsAt: new Date('2026-03-03T02:50:00Z') }, options());
    expect(value(first, 'UID')).toBe(value(moved, 'UID'));
    expect(value(first, 'SEQUENCE')).toBe('SEQUENCE:0');
    expect(value(moved, 'SEQUENCE')).toBe('SEQUENCE:1');
    expect(value(moved, 'DTSTART')).toBe('DTSTART;TZID=Asia/Jakarta:20260303T090000');
  });

  it('invites with METHOD:REQUEST and withdraws with METHOD:CANCEL and STATUS:CANCELLED', () => {
    const request = appointmentIcs(entry, options());
    expect(value(request, 'METHOD')).toBe('METHOD:REQUEST');
    expect(value(request, 'STATUS')).toBe('STATUS:CONFIRMED');
    expect(value(request, 'ORGANIZER')).toBe('ORGANIZER;CN="CARE ASN":mailto:no-reply@care.example.go.id');
    expect(value(request, 'ATTENDEE')).toBe('ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE:mailto:asn@example.go.id');

    const cancel = appointmentIcs({ ...entry, sequence: 2 }, options({ method: 'CANCEL' }));
    expect(value(cancel, 'METHOD')).toBe('METHOD:CANCEL');
    expect(value(cancel, 'STATUS')).toBe('STATUS:CANCELLED');
    expect(value(cancel, 'SEQUENCE')).toBe('SEQUENCE:2');
    expect(value(cancel, 'UID')).toBe(value(request, 'UID'));
  });

  it('makes a download a PUBLISH without organizer or attendees', () => {
    const ics = appointmentIcs(entry, options({ method: 'PUBLISH', audience: { locale: 'id', timeZone: 'Asia/Jakarta' } }));
    expect(value(ics, 'METHOD')).toBe('METHOD:PUBLISH');
    expect(value(ics, 'ORGANIZER')).toBeUndefined();
    expect(value(ics, 'ATTENDEE')).toBeUndefined();
  });

  it('is well formed: CRLF lines of at most 75 octets, balanced components', () => {
    const ics = appointmentIcs(entry, options({ appUrl: `https://care.example.go.id/${'x'.repeat(120)}` }));
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    const all = lines(ics);
    for (const component of ['VCALENDAR', 'VEVENT', 'VTIMEZONE', 'STANDARD']) {
      expect(all.filter((l) => l === `BEGIN:${component}`)).toHaveLength(1);
      expect(all.filter((l) => l === `END:${component}`)).toHaveLength(1);
    }
  });
});
