import type { Types } from 'mongoose';
import type { Database } from '../db/database.js';

/** A claim with no appointment this long after it was made was left by a request that died: it is given back. */
export const ORPHAN_AFTER_MS = 60_000;
/** When every seat looks held but some seats' bookings are still being written, look again this often, this many times. */
export const PENDING_RECHECK_MS = 25;
export const PENDING_RECHECKS = 40;

/** What every seat claim (a day seat, an allowance seat) records of the booking it is for. */
export interface ClaimedSeat {
  _id: Types.ObjectId;
  appointmentId: Types.ObjectId;
  claimedAt: Date;
}

/**
 * Seats with no live appointment: orphans (claims older than ORPHAN_AFTER_MS,
 * left by requests that died between the claim and the insert) and pending
 * ones (their booking is being written now, and may yet lose its slot). Read
 * only when every seat looks held, so the common booking never pays for it.
 */
export async function unconfirmedSeats<T extends ClaimedSeat>(db: Database, seats: T[], now: Date): Promise<{ orphans: T[]; pending: T[] }> {
  const live = await Promise.all(seats.map((s) => db.appointments.exists({ _id: s.appointmentId })));
  const unconfirmed = seats.filter((_, i) => !live[i]);
  const cutoff = now.getTime() - ORPHAN_AFTER_MS;
  return {
    orphans: unconfirmed.filter((s) => s.claimedAt.getTime() < cutoff),
    pending: unconfirmed.filter((s) => s.claimedAt.getTime() >= cutoff),
  };
}
