import type { Model, Types } from 'mongoose';
import type { Database } from '../db/database.js';
import type { Attendance } from './attendance-model.js';

export interface HeldSession {
  _id: Types.ObjectId;
  clientId: Types.ObjectId;
  startsAt: Date;
}

/**
 * Sessions held, as the report counts them: ended appointments that were
 * not cancelled and were completed, or whose client joined the room. One
 * rule for the report's lines, the referral's "attended" and feedback.
 */
export class HeldSessions {
  constructor(
    private readonly db: Database,
    private readonly attendance: Model<Attendance>,
  ) {}

  /** The held sessions that began in [from, to), of these people when given, ended by `now`. */
  async between(from: Date, to: Date, now: Date, clientIds?: readonly Types.ObjectId[]): Promise<HeldSession[]> {
    const filter: Record<string, unknown> = { startsAt: { $gte: from, $lt: to }, endsAt: { $lte: now }, status: { $ne: 'cancelled' } };
    if (clientIds) filter.clientId = { $in: clientIds };
    const ended = await this.db.appointments.find(filter, { clientId: 1, startsAt: 1, status: 1 }).lean<Array<HeldSession & { status: string }>>();
    const open = ended.filter((a) => a.status !== 'completed');
    const joined = new Set(
      open.length === 0
        ? []
        : (await this.attendance.find({ appointmentId: { $in: open.map((a) => a._id) }, role: 'asn' }).select({ appointmentId: 1 }).lean()).map((a) =>
            String(a.appointmentId),
          ),
    );
    return ended
      .filter((a) => a.status === 'completed' || joined.has(String(a._id)))
      .map((a) => ({ _id: a._id, clientId: a.clientId, startsAt: a.startsAt }));
  }

  /** Whether this one appointment of this person was held. */
  async isHeld(appointmentId: Types.ObjectId, clientId: string, now: Date): Promise<{ startsAt: Date } | null> {
    const appointment = await this.db.appointments.findOne({ _id: appointmentId, clientId }).select({ startsAt: 1, endsAt: 1, status: 1 }).lean();
    if (!appointment || appointment.status === 'cancelled' || appointment.startsAt > now) return null;
    if (appointment.status === 'completed') return { startsAt: appointment.startsAt };
    return (await this.attendance.exists({ appointmentId, role: 'asn' })) ? { startsAt: appointment.startsAt } : null;
  }
}
