import type { Locale } from '@care/shared';
import type { CalendarEntry } from '../calendar/events-ics.js';
import type { CalendarPerson } from '../calendar/calendar-records.js';
import { circleCalendarFilename, circleIcs } from '../calendar/circle-ics.js';
import type { MailMessage } from '../mail/mailer.js';
import { formatDate, formatTime, relativeStart, zoneLabel } from './appointment-time.js';

/**
 * What a message about circle meetings is: the invitation to them (a seat, or
 * the circle one facilitates), their withdrawal (the person left, or the
 * circle was cancelled), or a reminder of one meeting.
 */
export type CircleNotice = { kind: 'invite' } | { kind: 'withdraw'; why: 'left' | 'cancelled' } | { kind: 'reminder'; offsetMinutes: number };

export interface CircleMailContext {
  /** The meetings the message is about, in order: every one to come for an invitation, the one for a reminder. */
  entries: readonly CalendarEntry[];
  person: CalendarPerson;
  /** The page the message links to (/circles). */
  link: string;
  organizer: { name: string; address: string };
  now: Date;
}

interface Meeting {
  date: string;
  time: string;
  end: string;
  zone: string;
}

/**
 * The words, per language. NEUTRAL by rule: a group session of CARE ASN,
 * when, and a link — never the circle's topic (it can say why someone seeks
 * help), the facilitator, the other members or a pseudonym.
 */
const texts: Record<Locale, {
  invite: (first: Meeting, count: number) => { subject: string; intro: string; outro: string };
  withdraw: Record<'left' | 'cancelled', (first: Meeting) => { subject: string; intro: string; outro: string }>;
  reminder: (relative: string) => { subject: string; intro: string };
  when: string;
  open: string;
}> = {
  id: {
    invite: (f, count) => ({
      subject: count === 1 ? `Sesi kelompok CARE ASN: ${f.date} pukul ${f.time} ${f.zone}` : `Sesi kelompok CARE ASN: ${count} pertemuan mulai ${f.date} pukul ${f.time} ${f.zone}`,
      intro: count === 1 ? 'Sesi kelompok CARE ASN Anda sudah tercatat:' : `${count} pertemuan sesi kelompok CARE ASN Anda sudah tercatat:`,
      outro: 'Undangan kalender terlampir.',
    }),
    withdraw: {
      left: (f) => ({
        subject: `Sesi kelompok CARE ASN dihapus dari kalender Anda (mulai ${f.date})`,
        intro: 'Anda tidak lagi terdaftar di sesi kelompok ini. Pertemuan berikut dihapus dari kalender Anda:',
        outro: 'Pembatalan untuk kalender Anda terlampir.',
      }),
      cancelled: (f) => ({
        subject: `Sesi kelompok CARE ASN dibatalkan (mulai ${f.date})`,
        intro: 'Sesi kelompok CARE ASN berikut dibatalkan:',
        outro: 'Pembatalan untuk kalender Anda terlampir.',
      }),
    },
    reminder: (relative) => ({ subject: `Pengingat: sesi kelompok CARE ASN Anda ${relative}`, intro: `Sesi kelompok CARE ASN Anda dimulai ${relative}.` }),
    when: 'Waktu',
    open: 'Buka CARE ASN',
  },
  en: {
    invite: (f, count) => ({
      subject: count === 1 ? `CARE ASN group session: ${f.date} at ${f.time} ${f.zone}` : `CARE ASN group session: ${count} meetings from ${f.date} at ${f.time} ${f.zone}`,
      intro: count === 1 ? 'Your CARE ASN group session is booked:' : `Your ${count} CARE ASN group session meetings are booked:`,
      outro: 'A calendar invitation is attached.',
    }),
    withdraw: {
      left: (f) => ({
        subject: `CARE ASN group session removed from your calendar (from ${f.date})`,
        intro: 'You are no longer signed up for this group session. These meetings are removed from your calendar:',
        outro: 'The attached cancellation updates your calendar.',
      }),
      cancelled: (f) => ({
        subject: `CARE ASN group session cancelled (from ${f.date})`,
        intro: 'These CARE ASN group session meetings are cancelled:',
        outro: 'The attached cancellation updates your calendar.',
      }),
    },
    reminder: (relative) => ({ subject: `Reminder: your CARE ASN group session ${relative}`, intro: `Your CARE ASN group session starts ${relative}.` }),
    when: 'When',
    open: 'Open CARE ASN',
  },
};

/** One meeting as a line of the message: the same in both languages (the parts are already in the reader's). */
const meetingLine = (m: Meeting) => `${m.date}, ${m.time}–${m.end} ${m.zone}`;

const footer: Record<Locale, string> = {
  id: 'Email ini dikirim otomatis oleh CARE ASN; mohon tidak dibalas.',
  en: 'This email was sent automatically by CARE ASN; please do not reply.',
};

/** One person's message about circle meetings; invitations and withdrawals carry their calendar object. */
export function circleMail(notice: CircleNotice, context: CircleMailContext): MailMessage {
  const { entries, person, link, organizer, now } = context;
  const { locale, timeZone } = person;
  const words = texts[locale];
  const meetings: Meeting[] = entries.map((e) => ({
    date: formatDate(e.startsAt, timeZone, locale),
    time: formatTime(e.startsAt, timeZone, locale),
    end: formatTime(e.endsAt, timeZone, locale),
    zone: zoneLabel(e.startsAt, timeZone, locale),
  }));
  const [first] = meetings;
  const [firstEntry] = entries;
  if (!first || !firstEntry) throw new RangeError('a circle message is about at least one meeting');
  const to = { userId: person.id, address: person.address };
  if (notice.kind === 'reminder') {
    const { subject, intro } = words.reminder(relativeStart(firstEntry.startsAt, now, timeZone, locale, `${first.time} ${first.zone}`));
    const lines = [intro, '', `${words.when}: ${meetingLine(first)}`, `${words.open}: ${link}`];
    return { to, subject, text: [...lines, '', '—', footer[locale], ''].join('\n') };
  }
  const { subject, intro, outro } = notice.kind === 'invite' ? words.invite(first, meetings.length) : words.withdraw[notice.why](first);
  const lines = [intro, '', ...meetings.map((m) => `- ${meetingLine(m)}`), '', `${words.open}: ${link}`, '', outro];
  const method = notice.kind === 'invite' ? 'REQUEST' : 'CANCEL';
  return {
    to,
    subject,
    text: [...lines, '', '—', footer[locale], ''].join('\n'),
    calendar: {
      method,
      filename: circleCalendarFilename[locale],
      content: circleIcs(entries, { method, audience: { locale, timeZone, address: person.address }, organizer, appUrl: link, stamp: now }),
    },
  };
}
