import type { Locale } from '@care/shared';
import { appointmentIcs, type CalendarEntry } from '../calendar/appointment-ics.js';
import { calendarFilename } from '../calendar/calendar-files.js';
import type { CalendarPerson } from '../calendar/calendar-records.js';
import type { MailMessage } from '../mail/mailer.js';
import { formatDate, formatTime, relativeStart, zoneLabel } from './appointment-time.js';

/** What a message is about: a change of the booking (with its calendar invitation), or a reminder. */
export type AppointmentNotice = { kind: 'invite'; change: 'booked' | 'rescheduled' | 'cancelled' } | { kind: 'reminder'; offsetMinutes: number };

export interface MailContext {
  entry: CalendarEntry;
  person: CalendarPerson;
  /** The page the message links to. */
  link: string;
  organizer: { name: string; address: string };
  now: Date;
}

interface When {
  date: string;
  time: string;
  end: string;
  zone: string;
  /** "besok pukul 09.00 WIB", "in 15 minutes": for reminders. */
  relative: string;
}

/**
 * The words of every message, per language. NEUTRAL by rule: when, and a
 * link — never the counselor's speciality, a topic, a reason, or a name.
 * Email passes through servers and lands on shared screens.
 */
const texts: Record<Locale, Record<'booked' | 'rescheduled' | 'cancelled' | 'reminder', (w: When, link: string) => { subject: string; lines: string[] }>> = {
  id: {
    booked: (w, link) => ({
      subject: `Janji CARE ASN: ${w.date} pukul ${w.time} ${w.zone}`,
      lines: ['Janji CARE ASN Anda sudah tercatat.', '', `Waktu: ${w.date}, ${w.time}–${w.end} ${w.zone}`, `Buka CARE ASN: ${link}`, '', 'Undangan kalender terlampir.'],
    }),
    rescheduled: (w, link) => ({
      subject: `Janji CARE ASN dipindahkan: ${w.date} pukul ${w.time} ${w.zone}`,
      lines: ['Janji CARE ASN Anda dipindahkan ke waktu baru.', '', `Waktu baru: ${w.date}, ${w.time}–${w.end} ${w.zone}`, `Buka CARE ASN: ${link}`, '', 'Kalender Anda diperbarui dengan undangan terlampir.'],
    }),
    cancelled: (w, link) => ({
      subject: `Janji CARE ASN dibatalkan: ${w.date} pukul ${w.time} ${w.zone}`,
      lines: [`Janji CARE ASN pada ${w.date}, ${w.time} ${w.zone} dibatalkan.`, '', `Lihat jadwal Anda di CARE ASN: ${link}`, '', 'Pembatalan untuk kalender Anda terlampir.'],
    }),
    reminder: (w, link) => ({
      subject: `Pengingat: janji CARE ASN Anda ${w.relative}`,
      lines: [`Janji CARE ASN Anda dimulai ${w.relative}.`, '', `Waktu: ${w.date}, ${w.time}–${w.end} ${w.zone}`, `Buka CARE ASN: ${link}`],
    }),
  },
  en: {
    booked: (w, link) => ({
      subject: `CARE ASN appointment: ${w.date} at ${w.time} ${w.zone}`,
      lines: ['Your CARE ASN appointment is booked.', '', `When: ${w.date}, ${w.time}–${w.end} ${w.zone}`, `Open CARE ASN: ${link}`, '', 'A calendar invitation is attached.'],
    }),
    rescheduled: (w, link) => ({
      subject: `CARE ASN appointment moved: ${w.date} at ${w.time} ${w.zone}`,
      lines: ['Your CARE ASN appointment has moved to a new time.', '', `New time: ${w.date}, ${w.time}–${w.end} ${w.zone}`, `Open CARE ASN: ${link}`, '', 'The attached invitation updates your calendar.'],
    }),
    cancelled: (w, link) => ({
      subject: `CARE ASN appointment cancelled: ${w.date} at ${w.time} ${w.zone}`,
      lines: [`The CARE ASN appointment on ${w.date}, ${w.time} ${w.zone} is cancelled.`, '', `See your schedule in CARE ASN: ${link}`, '', 'The attached cancellation updates your calendar.'],
    }),
    reminder: (w, link) => ({
      subject: `Reminder: your CARE ASN appointment ${w.relative}`,
      lines: [`Your CARE ASN appointment starts ${w.relative}.`, '', `When: ${w.date}, ${w.time}–${w.end} ${w.zone}`, `Open CARE ASN: ${link}`],
    }),
  },
};

const footer: Record<Locale, string> = {
  id: 'Email ini dikirim otomatis oleh CARE ASN; mohon tidak dibalas.',
  en: 'This email was sent automatically by CARE ASN; please do not reply.',
};

/** One person's message about one appointment: subject, text, and for a change its calendar object. */
export function appointmentMail(notice: AppointmentNotice, context: MailContext): MailMessage {
  const { entry, person, link, organizer, now } = context;
  const { locale, timeZone } = person;
  const zone = zoneLabel(entry.startsAt, timeZone, locale);
  const time = formatTime(entry.startsAt, timeZone, locale);
  const when: When = {
    date: formatDate(entry.startsAt, timeZone, locale),
    time,
    end: formatTime(entry.endsAt, timeZone, locale),
    zone,
    relative: relativeStart(entry.startsAt, now, timeZone, locale, `${time} ${zone}`),
  };
  const { subject, lines } = texts[locale][notice.kind === 'invite' ? notice.change : 'reminder'](when, link);
  const message: MailMessage = {
    to: { userId: person.id, address: person.address },
    subject,
    text: [...lines, '', '—', footer[locale], ''].join('\n'),
  };
  if (notice.kind === 'invite') {
    const method = notice.change === 'cancelled' ? 'CANCEL' : 'REQUEST';
    message.calendar = {
      method,
      filename: calendarFilename[locale],
      content: appointmentIcs(entry, { method, audience: { locale, timeZone, address: person.address }, organizer, appUrl: link, stamp: now }),
    };
  }
  return message;
}
