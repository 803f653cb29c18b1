import type { Locale } from '@care/shared';
import { eventsIcs, type CalendarEntry, type IcsOptions } from './events-ics.js';

export type { CalendarEntry, IcsAudience, IcsMethod, IcsOptions } from './events-ics.js';

/**
 * The title every calendar shows. Neutral on purpose: a calendar is seen by
 * colleagues, assistants and lock screens, so it says nothing of counseling,
 * the counselor's speciality or the topic.
 */
export const neutralTitle: Record<Locale, string> = { id: 'Janji CARE ASN', en: 'CARE ASN appointment' };

/** One appointment as an iCalendar object (see `eventsIcs`). */
export function appointmentIcs(entry: CalendarEntry, options: IcsOptions): string {
  return eventsIcs([entry], neutralTitle[options.audience.locale], options);
}
