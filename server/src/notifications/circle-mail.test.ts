import { describe, expect, it } from 'vitest';
import type { CalendarPerson } from '../calendar/calendar-records.js';
import { circleMeetingUid } from '../calendar/circle-ics.js';
import type { CalendarEntry } from '../calendar/events-ics.js';
import { circleMail, type CircleMailContext } from './circle-mail.js';

const WEEK = 7 * 24 * 3_600_000;
const asn: CalendarPerson = {
  id: '65f0000000000000000000aa',
  address: 'asn@example.go.id',
  locale: 'id',
  timeZone: 'Asia/Jakarta',
  emailNotifications: true,
  remindersOff: [],
};
const seatId = '65f0000000000000000000bb';
const meetings: CalendarEntry[] = [0, 1, 2].map((i) => ({
  uid: circleMeetingUid(`65f00000000000000000001${i}`, seatId),
  sequence: 0,
  startsAt: new Date(Date.parse('2026-03-03T02:00:00Z') + i * WEEK),
  endsAt: new Date(Date.parse('2026-03-03T03:00:00Z') + i * WEEK),
}));
const context = (overrides: Partial<CircleMailContext> = {}): CircleMailContext => ({
  entries: meetings,
  person: asn,
  link: 'https://care.example.go.id/circles',
  organizer: { name: 'CARE ASN', address: 'no-reply@care.example.go.id' },
  now: new Date('2026-03-02T02:00:00Z'),
  ...overrides,
});
/** The unfolded lines of a calendar object. */
const lines = (ics: string) => ics.replace(/\r\n /g, '').split('\r\n');
const NOT_NEUTRAL = /konsel|counsel|psiko|psych|terapi|therap|topik|topic|dukungan|support|stres|stress|melati/i;

describe('circle mail', () => {
  it('invites with one REQUEST holding a VEVENT per meeting, each with its own UID, in the reader’s zone', () => {
    const mail = circleMail({ kind: 'invite' }, context());
    expect(mail.subject).toBe('Sesi kelompok CARE ASN: 3 pertemuan mulai Selasa, 3 Maret 2026 pukul 09.00 WIB');
    expect(mail.text).toContain('- Selasa, 17 Maret 2026, 09.00–10.00 WIB');
    const ics = mail.calendar!.content;
    expect(mail.calendar?.method).toBe('REQUEST');
    const all = lines(ics);
    expect(all).toContain('METHOD:REQUEST');
    expect(all.filter((l) => l === 'BEGIN:VEVENT')).toHaveLength(3);
    expect(all.filter((l) => l === 'SUMMARY:Sesi kelompok CARE ASN')).toHaveLength(3);
    expect(all.filter((l) => l.startsWith('UID:')).map((l) => l.slice(4))).toEqual(meetings.map((m) => m.uid));
    expect(all.filter((l) => l.startsWith('DTSTART;'))).toEqual([
      'DTSTART;TZID=Asia/Jakarta:20260303T090000',
      'DTSTART;TZID=Asia/Jakarta:20260310T090000',
      'DTSTART;TZID=Asia/Jakarta:20260317T090000',
    ]);
    // One VTIMEZONE for all of them.
    expect(all.filter((l) => l === 'BEGIN:VTIMEZONE')).toHaveLength(1);
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
  });

  it('withdraws with CANCEL, worded for leaving or for a cancelled circle, in English too', () => {
    const left = circleMail({ kind: 'withdraw', why: 'left' }, context({ entries: meetings.map((m) => ({ ...m, sequence: 1 })) }));
    expect(left.subject).toBe('Sesi kelompok CARE ASN dihapus dari kalender Anda (mulai Selasa, 3 Maret 2026)');
    expect(left.calendar?.method).toBe('CANCEL');
    expect(lines(left.calendar!.content).filter((l) => l === 'STATUS:CANCELLED')).toHaveLength(3);
    expect(lines(left.calendar!.content).filter((l) => l === 'SEQUENCE:1')).toHaveLength(3);
    const cancelled = circleMail({ kind: 'withdraw', why: 'cancelled' }, context({ person: { ...asn, locale: 'en', timeZone: 'Asia/Makassar' } }));
    expect(cancelled.subject).toBe('CARE ASN group session cancelled (from Tuesday, 3 March 2026)');
    expect(lines(cancelled.calendar!.content)).toContain('SUMMARY:CARE ASN group session');
    expect(lines(cancelled.calendar!.content)).toContain('DTSTART;TZID=Asia/Makassar:20260303T100000');
  });

  it('reminds of a group session without a calendar object', () => {
    const [first] = meetings;
    const mail = circleMail({ kind: 'reminder', offsetMinutes: 1440 }, context({ entries: [first!] }));
    expect(mail.subject).toBe('Pengingat: sesi kelompok CARE ASN Anda besok pukul 09.00 WIB');
    expect(mail.text).toContain('https://care.example.go.id/circles');
    expect(mail.calendar).toBeUndefined();
    const soon = circleMail(
      { kind: 'reminder', offsetMinutes: 15 },
      context({ entries: [first!], person: { ...asn, locale: 'en' }, now: new Date('2026-03-03T01:45:00Z') }),
    );
    expect(soon.subject).toBe('Reminder: your CARE ASN group session in 15 minutes (at 09:00 WIB)');
  });

  it('stays neutral in every message: no topic, no counseling words, no pseudonym', () => {
    for (const person of [asn, { ...asn, locale: 'en' as const }]) {
      for (const notice of [{ kind: 'invite' }, { kind: 'withdraw', why: 'left' }, { kind: 'withdraw', why: 'cancelled' }, { kind: 'reminder', offsetMinutes: 15 }] as const) {
        const mail = circleMail(notice, context({ person }));
        expect(`${mail.subject}\n${mail.text}\n${mail.calendar?.content ?? ''}`).not.toMatch(NOT_NEUTRAL);
      }
    }
  });
});
