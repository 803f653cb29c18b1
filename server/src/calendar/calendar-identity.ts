import type { Types } from 'mongoose';

/** What an appointment document holds of its calendar identity (both fields absent on documents older than them). */
export interface CalendarIdentityFields {
  _id: Types.ObjectId;
  calendarUid?: string | null;
  calendarSequence?: number | null;
}

/**
 * The iCalendar UID of an appointment: minted from the id of its first
 * booking and carried to every booking that replaces it by a reschedule, so
 * each calendar updates one event. Documents from before the field get the
 * same value they would have been given.
 */
export function calendarUidOf(doc: CalendarIdentityFields): string {
  return doc.calendarUid ?? firstCalendarUid(doc._id);
}

export function firstCalendarUid(id: Types.ObjectId): string {
  return `${id.toString()}@care-asn`;
}

export function calendarSequenceOf(doc: CalendarIdentityFields): number {
  return doc.calendarSequence ?? 0;
}
