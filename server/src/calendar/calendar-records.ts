import { Locale } from '@care/shared';
import { isValidObjectId, type Types } from 'mongoose';
import type { Database } from '../db/database.js';
import type { NotificationChoice } from '../notifications/notification-preferences.js';
import type { SchedulingModels } from '../scheduling/scheduling-models.js';
import type { CalendarEntry } from './appointment-ics.js';
import { calendarSequenceOf, calendarUidOf } from './calendar-identity.js';

/**
 * Where an appointment stands for calendars: live (booked), cancelled, or
 * moved away by a reschedule (its event lives on in the booking that
 * replaced it, under the same UID).
 */
export type CalendarState = 'live' | 'cancelled' | 'moved';

export interface CalendarRecord extends CalendarEntry {
  appointmentId: string;
  state: CalendarState;
  counselorId: string;
  clientId: string;
  /** When the booking was made (live ones; null for older documents and cancelled ones). */
  bookedAt: Date | null;
}

/** A person as mail and calendars need them: where to write, in which language and zone, and what they want to be sent. */
export interface CalendarPerson extends NotificationChoice {
  id: string;
  address: string;
  locale: Locale;
  timeZone: string;
}

/** The fields of an appointment document (live or cancelled) a record is made from. */
export interface RecordDoc {
  _id: Types.ObjectId;
  counselorId: Types.ObjectId;
  clientId: Types.ObjectId;
  startsAt: Date;
  endsAt: Date;
  status?: string;
  reason?: string;
  createdAt?: Date;
  calendarUid?: string | null;
  calendarSequence?: number | null;
}

/** Reads appointments, live or moved to cancelled_appointments, with their calendar identity; and the people in them. */
export class CalendarRecords {
  constructor(
    private readonly db: Database,
    private readonly models: SchedulingModels,
  ) {}

  async find(appointmentId: string): Promise<CalendarRecord | null> {
    if (!isValidObjectId(appointmentId)) return null;
    const live = await this.db.appointments.findById(appointmentId).lean<RecordDoc>();
    if (live) return toRecord(live, live.status === 'booked' ? 'live' : 'cancelled', live.createdAt ?? null);
    const gone = await this.models.cancelledAppointments.findById(appointmentId).lean<RecordDoc>();
    if (!gone) return null;
    return toRecord(gone, gone.reason === 'rescheduled' ? 'moved' : 'cancelled', null);
  }

  /** Bookings cancelled (not moved by a reschedule) in [since, before), as records. */
  async cancelledBetween(since: Date, before: Date): Promise<CalendarRecord[]> {
    const docs = await this.models.cancelledAppointments
      .find({ cancelledAt: { $gte: since, $lt: before }, reason: { $ne: 'rescheduled' } })
      .lean<RecordDoc[]>();
    return docs.map((doc) => toRecord(doc, 'cancelled', null));
  }

  async person(userId: string): Promise<CalendarPerson | null> {
    const user = await this.db.users.findById(userId).select({ email: 1, locale: 1, timeZone: 1, emailNotifications: 1, remindersOff: 1 }).lean();
    if (!user) return null;
    return {
      id: user._id.toString(),
      address: user.email,
      locale: Locale.catch('id').parse(user.locale),
      timeZone: user.timeZone,
      // Accounts made before the choice existed have neither field: everything on.
      emailNotifications: user.emailNotifications ?? true,
      remindersOff: user.remindersOff ?? [],
    };
  }
}

export function toRecord(doc: RecordDoc, state: CalendarState, bookedAt: Date | null): CalendarRecord {
  return {
    appointmentId: doc._id.toString(),
    state,
    uid: calendarUidOf(doc),
    sequence: calendarSequenceOf(doc),
    startsAt: doc.startsAt,
    endsAt: doc.endsAt,
    counselorId: doc.counselorId.toString(),
    clientId: doc.clientId.toString(),
    bookedAt,
  };
}
