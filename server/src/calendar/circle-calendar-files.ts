import type { CurrentUser } from '@care/shared';
import { AppError } from '../errors.js';
import type { CalendarFile } from './calendar-files.js';
import type { CircleCalendar } from './circle-calendar.js';
import { circleCalendarFilename, circleIcs } from './circle-ics.js';

/**
 * GET /api/circles/:id/calendar.ics: one's own circle meetings still to come
 * as a file to import, with the same UIDs as the emailed invitation (so
 * importing both gives one event per meeting). A member's or the
 * facilitator's only; to anyone else the circle does not exist. A live
 * circle comes as PUBLISH, a cancelled one as CANCEL.
 */
export class CircleCalendarFiles {
  constructor(
    private readonly calendar: CircleCalendar,
    private readonly organizer: { name: string; address: string },
    private readonly appUrl: () => string,
    private readonly now: () => Date,
  ) {}

  async forCircle(user: CurrentUser, circleId: string): Promise<CalendarFile> {
    const circle = /^[a-f0-9]{24}$/i.test(circleId) ? await this.calendar.circle(circleId) : null;
    const holder = circle ? await this.calendar.holder(circle, user.id) : null;
    if (!circle || !holder) throw new AppError('not_found', 'No such circle.');
    const live = circle.status === 'active';
    const now = this.now();
    const entries = await this.calendar.entries(circleId, holder, now, live ? 'scheduled' : 'all', live ? 0 : 1);
    if (entries.length === 0) throw new AppError('circle_closed', 'This circle has no meetings left.');
    const content = circleIcs(entries, {
      method: live ? 'PUBLISH' : 'CANCEL',
      audience: { locale: user.locale, timeZone: user.timeZone },
      organizer: this.organizer,
      appUrl: `${this.appUrl()}/circles`,
      stamp: now,
    });
    return { filename: circleCalendarFilename[user.locale], content };
  }
}
