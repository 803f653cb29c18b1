import type { Response } from 'express';
import type { CalendarFile } from '../calendar/calendar-files.js';

/** Sends one person's calendar file as a download; it is theirs alone, so never for shared caches. */
export function sendCalendarFile(res: Response, file: CalendarFile): void {
  res
    .status(200)
    .type('text/calendar; charset=utf-8')
    .set('Content-Disposition', `attachment; filename="${file.filename}"`)
    .set('Cache-Control', 'private, no-store')
    .send(file.content);
}
