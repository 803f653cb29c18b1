import type { Locale } from '@care/shared';
import { eventsIcs, type CalendarEntry, type IcsOptions } from './events-ics.js';

/**
 * The title of a circle meeting in every calendar. Neutral like an
 * appointment's, and never the circle's topic: the topic can say why
 * someone seeks help, and calendars are seen by colleagues and lock screens.
 */
export const groupTitle: Record<Locale, string> = { id: 'Sesi kelompok CARE ASN', en: 'CARE ASN group session' };

/** The file name circle meetings are saved under: as neutral as their title. */
export const circleCalendarFilename: Record<Locale, string> = { id: 'sesi-kelompok-care-asn.ics', en: 'care-asn-group-sessions.ics' };

/**
 * The UID of one meeting in one person's calendar. Per person, so withdrawing
 * one member's events touches nobody else's; and per seating (the seat's id,
 * or the facilitator's account), so someone who leaves and joins again gets
 * fresh events rather than withdrawn ones brought back. Opaque ids only.
 */
export function circleMeetingUid(meetingId: string, holderId: string): string {
  return `${meetingId}.${holderId}@care-asn`;
}

/** A circle's meetings for one person as one iCalendar object: a VEVENT per meeting. */
export function circleIcs(entries: readonly CalendarEntry[], options: IcsOptions): string {
  return eventsIcs(entries, groupTitle[options.audience.locale], options);
}
