import { describe, expect, it } from 'vitest';
import type { CalendarPerson } from '../calendar/calendar-records.js';
import { appointmentMail, type MailContext } from './appointment-mail.js';

const asn: CalendarPerson = {
  id: '65f0000000000000000000aa',
  address: 'asn@example.go.id',
  locale: 'id',
  timeZone: 'Asia/Jakarta',
  emailNotifications: true,
  remindersOff: [],
};
const context = (overrides: Partial<MailContext> = {}): MailContext => ({
  entry: { uid: 'u@care-asn', sequence: 0, startsAt: new Date('2026-03-03T02:00:00Z'), endsAt: new Date('2026-03-03T02:50:00Z') },
  person: asn,
  link: 'https://care.example.go.id/appointments',
  organizer: { name: 'CARE ASN', address: 'no-reply@care.example.go.id' },
  now: new Date('2026-03-02T02:00:00Z'),
  ...overrides,
});

describe('appointment mail', () => {
  it('reminds in Indonesian with the day, the time and the zone the reader lives in', () => {
    const mail = appointmentMail({ kind: 'reminder', offsetMinutes: 1440 }, context());
    expect(mail.subject).toBe('Pengingat: janji CARE ASN Anda besok pukul 09.00 WIB');
    expect(mail.text).toContain('https://care.example.go.id/appointments');
    expect(mail.calendar).toBeUndefined();
    const wita = appointmentMail({ kind: 'reminder', offsetMinutes: 1440 }, context({ person: { ...asn, timeZone: 'Asia/Makassar' } }));
    expect(wita.subject).toBe('Pengingat: janji CARE ASN Anda besok pukul 10.00 WITA');
  });

  it('says how many minutes are left close to the start, in English for an English reader', () => {
    const mail = appointmentMail(
      { kind: 'reminder', offsetMinutes: 15 },
      context({ person: { ...asn, locale: 'en' }, now: new Date('2026-03-03T01:45:00Z') }),
    );
    expect(mail.subject).toBe('Reminder: your CARE ASN appointment in 15 minutes (at 09:00 WIB)');
  });

  it('attaches a REQUEST to a booking and a CANCEL to a cancellation', () => {
    const booked = appointmentMail({ kind: 'invite', change: 'booked' }, context());
    expect(booked.subject).toBe('Janji CARE ASN: Selasa, 3 Maret 2026 pukul 09.00 WIB');
    expect(booked.calendar?.method).toBe('REQUEST');
    expect(booked.calendar?.content).toContain('METHOD:REQUEST');
    const cancelled = appointmentMail({ kind: 'invite', change: 'cancelled' }, context());
    expect(cancelled.subject).toMatch(/^Janji CARE ASN dibatalkan:/);
    expect(cancelled.calendar?.content).toContain('STATUS:CANCELLED');
  });

  it('stays neutral: no counseling words in any message', () => {
    for (const person of [asn, { ...asn, locale: 'en' as const }]) {
      for (const change of ['booked', 'rescheduled', 'cancelled'] as const) {
        const mail = appointmentMail({ kind: 'invite', change }, context({ person }));
        expect(`${mail.subject}\n${mail.text}`).not.toMatch(/konsel|counsel|psiko|psych|terapi|therap|topik|topic|alasan|reason/i);
      }
    }
  });
});
