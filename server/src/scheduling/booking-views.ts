import type { AppointmentStatus, BookingView, CancelReason } from '@care/shared';
import type { Types } from 'mongoose';
import type { Database } from '../db/database.js';

/** A booking, live (in appointments) or cancelled (in cancelled_appointments), as the views need it. */
export interface BookingRecord {
  id: string;
  counselorId: string;
  clientId: string;
  startsAt: Date;
  endsAt: Date;
  status: AppointmentStatus;
  cancelledBy: 'asn' | 'counselor' | null;
  cancelReason: CancelReason | null;
  rescheduledTo: string | null;
}

interface LiveDoc {
  _id: Types.ObjectId;
  counselorId: Types.ObjectId;
  clientId: Types.ObjectId;
  startsAt: Date;
  endsAt: Date;
  status: AppointmentStatus;
}

interface CancelledDoc {
  _id: Types.ObjectId;
  counselorId: Types.ObjectId;
  clientId: Types.ObjectId;
  startsAt: Date;
  endsAt: Date;
  cancelledBy: 'asn' | 'counselor';
  reason: CancelReason;
  rescheduledTo?: Types.ObjectId | null;
}

/** What live and cancelled bookings have in common: who, when. */
function whoAndWhen(doc: LiveDoc | CancelledDoc): Pick<BookingRecord, 'id' | 'counselorId' | 'clientId' | 'startsAt' | 'endsAt'> {
  return {
    id: doc._id.toString(),
    counselorId: doc.counselorId.toString(),
    clientId: doc.clientId.toString(),
    startsAt: doc.startsAt,
    endsAt: doc.endsAt,
  };
}

export function liveRecord(doc: LiveDoc): BookingRecord {
  return { ...whoAndWhen(doc), status: doc.status, cancelledBy: null, cancelReason: null, rescheduledTo: null };
}

export function cancelledRecord(doc: CancelledDoc): BookingRecord {
  return {
    ...whoAndWhen(doc),
    status: 'cancelled',
    cancelledBy: doc.cancelledBy,
    cancelReason: doc.reason,
    rescheduledTo: doc.rescheduledTo ? doc.rescheduledTo.toString() : null,
  };
}

/**
 * Turns records into views with both people's display names. Callers pass
 * only records the viewer takes part in: that is the who-sees-what rule,
 * applied by the queries in BookingService.
 *
 * One lookup by _id per person rather than one `$in` query: FerretDB v1
 * pushes only plain equality down to PostgreSQL, so `$in` reads the whole
 * users collection (measured: 33 ms with 330 users, growing with every
 * account), while a lookup by _id stays at about 1 ms.
 */
export async function toBookingViews(
  db: Database,
  records: BookingRecord[],
  cutoffMs: number,
  /** Names the caller already has (the signed-in person's own), not looked up again. */
  known: ReadonlyArray<{ id: string; displayName: string }> = [],
): Promise<BookingView[]> {
  const names = new Map(known.map((p) => [p.id, p.displayName]));
  const ids = [...new Set(records.flatMap((r) => [r.counselorId, r.clientId]))].filter((id) => !names.has(id));
  const people = await Promise.all(ids.map((id) => db.users.findById(id).select({ displayName: 1 }).lean()));
  for (const p of people) if (p) names.set(p._id.toString(), p.displayName);
  const person = (id: string) => ({ id, displayName: names.get(id) ?? '—' });
  return records.map((r) => ({
    id: r.id,
    startsAt: r.startsAt.toISOString(),
    endsAt: r.endsAt.toISOString(),
    status: r.status,
    counselor: person(r.counselorId),
    client: person(r.clientId),
    changeableUntil: r.status === 'booked' ? new Date(r.startsAt.getTime() - cutoffMs).toISOString() : null,
    cancelledBy: r.cancelledBy,
    cancelReason: r.cancelReason,
    rescheduledTo: r.rescheduledTo,
  }));
}
