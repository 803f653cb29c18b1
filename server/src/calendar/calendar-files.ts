import type { CurrentUser, Locale } from '@care/shared';
import { AppError } from '../errors.js';
import { appointmentIcs } from './appointment-ics.js';
import type { CalendarRecords } from './calendar-records.js';

export interface CalendarFile {
  filename: string;
  content: string;
}

/** The file name a calendar file is saved under: as neutral as its title. */
export const calendarFilename: Record<Locale, string> = { id: 'janji-care-asn.ics', en: 'care-asn-appointment.ics' };

/**
 * GET /api/scheduling/bookings/:id/calendar.ics: one's own appointment as a
 * file to import. A live booking comes as PUBLISH (an entry, not an
 * invitation to answer), a cancelled one as CANCEL. A booking moved away by a
 * reschedule has no event of its own any more — its UID now belongs to the
 * new booking, and a file for it would move or cancel that — so it is
 * refused with `conflict`.
 */
export class CalendarFiles {
  constructor(
    private readonly records: CalendarRecords,
    private readonly organizer: { name: string; address: string },
    private readonly appUrl: () => string,
    private readonly now: () => Date,
  ) {}

  async forBooking(user: CurrentUser, bookingId: string): Promise<CalendarFile> {
    const record = await this.records.find(bookingId);
    if (!record || (record.counselorId !== user.id && record.clientId !== user.id)) throw new AppError('not_found', 'No such booking.');
    if (record.state === 'moved') {
      throw new AppError('conflict', 'This booking was moved to another time; download the calendar file of the new booking.');
    }
    const content = appointmentIcs(record, {
      method: record.state === 'live' ? 'PUBLISH' : 'CANCEL',
      audience: { locale: user.locale, timeZone: user.timeZone },
      organizer: this.organizer,
      appUrl: `${this.appUrl()}/appointments`,
      stamp: this.now(),
    });
    return { filename: calendarFilename[user.locale], content };
  }
}
