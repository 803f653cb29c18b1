import type { AppointmentStatus, BookingView, CancelReason } from '@care/shared';
import type { Types } from 'mongoose';

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

/** A person's display name by account id, or undefined when there is no such account. */
export type NameLookup = (id: string) => Promise<string | undefined>;

/**
 * Turns records into views with both people's display names. Callers pass
 * only records the viewer takes part in: that is the who-sees-what rule,
 * applied by the queries in BookingService. Names come from `names` (this
 * node's account cache), one id at a time: FerretDB v1 pushes only plain
 * equality down to PostgreSQL, so a `$in` over users would read them all.
 */
export async function toBookingViews(
  names: NameLookup,
  records: BookingRecord[],
  cutoffMs: number,
  /** Names the caller already has (the signed-in person's own), not looked up again. */
  known: ReadonlyArray<{ id: string; displayName: string }> = [],
): Promise<BookingView[]> {
  const found = new Map(known.map((p) => [p.id, p.displayName]));
  const ids = [...new Set(records.flatMap((r) => [r.counselorId, r.clientId]))].filter((id) => !found.has(id));
  const looked = await Promise.all(ids.map(names));
  ids.forEach((id, i) => {
    const name = looked[i];
    if (name !== undefined) found.set(id, name);
  });
  const person = (id: string) => ({ id, displayName: found.get(id) ?? '—' });
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
