import type { Locale } from '@care/shared';
import { escapeText, icsText, quoteParam, utcDateTime, wallDateTime } from './ics-content.js';
import { fixedOffsetMinutes, fixedVtimezone } from './vtimezone.js';

/**
 * REQUEST: an invitation or its update (book, reschedule); CANCEL: withdrawn;
 * PUBLISH: a file someone downloads into their own calendar (not an
 * invitation to answer).
 */
export type IcsMethod = 'REQUEST' | 'CANCEL' | 'PUBLISH';

/** What a calendar needs to know of an appointment: an id that lasts through reschedules, a version, and when. */
export interface CalendarEntry {
  /** Stable across reschedules (RFC 5545 UID): calendars replace the event instead of adding one. */
  uid: string;
  /** Raised by every change; a calendar ignores a message older than what it holds. */
  sequence: number;
  startsAt: Date;
  endsAt: Date;
}

export interface IcsAudience {
  locale: Locale;
  timeZone: string;
  /** The recipient's own address; the only attendee written (the other party's is theirs to keep). */
  address?: string;
}

export interface IcsOptions {
  method: IcsMethod;
  audience: IcsAudience;
  organizer: { name: string; address: string };
  /** Where the appointment is opened; the event's URL and location. */
  appUrl: string;
  /** When this file was made (DTSTAMP). */
  stamp: Date;
}

/**
 * The title every calendar shows. Neutral on purpose: a calendar is seen by
 * colleagues, assistants and lock screens, so it says nothing of counseling,
 * the counselor's speciality or the topic.
 */
export const neutralTitle: Record<Locale, string> = { id: 'Janji CARE ASN', en: 'CARE ASN appointment' };

const description: Record<Locale, (url: string) => string> = {
  id: (url) => `Buka CARE ASN untuk bergabung: ${url}`,
  en: (url) => `Open CARE ASN to join: ${url}`,
};

/**
 * One appointment as an iCalendar object (RFC 5545, iTIP methods of RFC
 * 5546). Times are written in the recipient's zone with its VTIMEZONE when
 * that zone has one offset all year (all of Indonesia), otherwise in UTC;
 * both are exact instants for any calendar.
 */
export function appointmentIcs(entry: CalendarEntry, options: IcsOptions): string {
  const { method, audience, organizer, appUrl, stamp } = options;
  const offset = fixedOffsetMinutes(audience.timeZone, entry.startsAt);
  const time = (property: string, instant: Date) =>
    offset === null ? `${property}:${utcDateTime(instant)}` : `${property};TZID=${audience.timeZone}:${wallDateTime(instant, audience.timeZone)}`;
  const cancelled = method === 'CANCEL';
  const invitation = method !== 'PUBLISH';
  return icsText([
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//CARE ASN//Scheduling//ID',
    'CALSCALE:GREGORIAN',
    `METHOD:${method}`,
    ...(offset === null ? [] : fixedVtimezone(audience.timeZone, offset)),
    'BEGIN:VEVENT',
    `UID:${entry.uid}`,
    `SEQUENCE:${entry.sequence}`,
    `DTSTAMP:${utcDateTime(stamp)}`,
    time('DTSTART', entry.startsAt),
    time('DTEND', entry.endsAt),
    `SUMMARY:${escapeText(neutralTitle[audience.locale])}`,
    `DESCRIPTION:${escapeText(description[audience.locale](appUrl))}`,
    `LOCATION:${escapeText(appUrl)}`,
    `URL:${appUrl}`,
    // Shared and delegated calendars show only "busy".
    'CLASS:PRIVATE',
    'TRANSP:OPAQUE',
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    ...(invitation ? [`ORGANIZER;CN=${quoteParam(organizer.name)}:mailto:${organizer.address}`] : []),
    ...(invitation && audience.address
      ? [`ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT${cancelled ? '' : ';PARTSTAT=ACCEPTED'};RSVP=FALSE:mailto:${audience.address}`]
      : []),
    'END:VEVENT',
    'END:VCALENDAR',
  ]);
}
