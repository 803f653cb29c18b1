import type { Locale } from '@care/shared';
import { escapeText, icsText, quoteParam, utcDateTime, wallDateTime } from './ics-content.js';
import { fixedOffsetMinutes, fixedVtimezone } from './vtimezone.js';

/**
 * REQUEST: an invitation or its update (book, reschedule, a seat); CANCEL:
 * withdrawn; PUBLISH: a file someone downloads into their own calendar (not
 * an invitation to answer).
 */
export type IcsMethod = 'REQUEST' | 'CANCEL' | 'PUBLISH';

/** What a calendar needs to know of one session: an id that lasts through changes, a version, and when. */
export interface CalendarEntry {
  /** Stable across changes (RFC 5545 UID): calendars replace the event instead of adding one. */
  uid: string;
  /** Raised by every change; a calendar ignores a message older than what it holds. */
  sequence: number;
  startsAt: Date;
  endsAt: Date;
}

export interface IcsAudience {
  locale: Locale;
  timeZone: string;
  /** The recipient's own address; the only attendee written (the others' are theirs to keep). */
  address?: string;
}

export interface IcsOptions {
  method: IcsMethod;
  audience: IcsAudience;
  organizer: { name: string; address: string };
  /** Where the session is opened; the event's URL and location. */
  appUrl: string;
  /** When this file was made (DTSTAMP). */
  stamp: Date;
}

const description: Record<Locale, (url: string) => string> = {
  id: (url) => `Buka CARE ASN untuk bergabung: ${url}`,
  en: (url) => `Open CARE ASN to join: ${url}`,
};

/**
 * Sessions as one iCalendar object (RFC 5545, iTIP methods of RFC 5546), one
 * VEVENT each, all under `title` — a neutral one, chosen by the caller.
 * Times are written in the recipient's zone with its VTIMEZONE when that
 * zone keeps one offset across every event (all of Indonesia), otherwise in
 * UTC; both are exact instants for any calendar.
 */
export function eventsIcs(entries: readonly CalendarEntry[], title: string, options: IcsOptions): string {
  const { method, audience, organizer, appUrl, stamp } = options;
  const first = entries[0];
  if (!first) throw new RangeError('a calendar object needs at least one event');
  const offset = fixedOffsetMinutes(audience.timeZone, first.startsAt);
  const fixed = offset !== null && entries.every((e) => fixedOffsetMinutes(audience.timeZone, e.startsAt) === offset);
  const time = (property: string, instant: Date) =>
    fixed ? `${property};TZID=${audience.timeZone}:${wallDateTime(instant, audience.timeZone)}` : `${property}:${utcDateTime(instant)}`;
  const cancelled = method === 'CANCEL';
  const invitation = method !== 'PUBLISH';
  const event = (entry: CalendarEntry) => [
    'BEGIN:VEVENT',
    `UID:${entry.uid}`,
    `SEQUENCE:${entry.sequence}`,
    `DTSTAMP:${utcDateTime(stamp)}`,
    time('DTSTART', entry.startsAt),
    time('DTEND', entry.endsAt),
    `SUMMARY:${escapeText(title)}`,
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
  ];
  return icsText([
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//CARE ASN//Scheduling//ID',
    'CALSCALE:GREGORIAN',
    `METHOD:${method}`,
    ...(fixed && offset !== null ? fixedVtimezone(audience.timeZone, offset) : []),
    ...entries.flatMap(event),
    'END:VCALENDAR',
  ]);
}
