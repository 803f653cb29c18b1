import type { AppointmentView, CurrentUser } from '@care/shared';
import { isValidObjectId } from 'mongoose';
import type { Database } from '../db/database.js';
import type { AppointmentDocument } from '../db/models/appointment.js';
import { AppError } from '../errors.js';

export interface Participant {
  id: string;
  displayName: string;
}

export interface AppointmentWithPeople {
  appointment: AppointmentDocument;
  counselor: Participant;
  client: Participant;
}

export class AppointmentService {
  constructor(private readonly db: Database) {}

  /** A person's own appointments from yesterday on; an admin has none to see (employer-blind). */
  async listFor(user: CurrentUser, now = new Date()): Promise<AppointmentView[]> {
    if (user.role === 'admin') throw new AppError('forbidden', 'Administrators see counts only, not appointments.');
    const own = user.role === 'counselor' ? { counselorId: user.id } : { clientId: user.id };
    const since = new Date(now.getTime() - 24 * 3600_000);
    const appointments = await this.db.appointments
      .find({ ...own, endsAt: { $gte: since } })
      .sort({ startsAt: 1 })
      .limit(100);
    const views: AppointmentView[] = [];
    for (const appointment of appointments) views.push(this.#view(await this.#withPeople(appointment)));
    return views;
  }

  /** The appointment, if the user takes part in it; otherwise not found (its existence is not revealed). */
  async getForParticipant(appointmentId: string, user: Pick<CurrentUser, 'id'>): Promise<AppointmentWithPeople> {
    if (!isValidObjectId(appointmentId)) throw new AppError('not_found', 'No such appointment.');
    const appointment = await this.db.appointments.findById(appointmentId);
    if (
      !appointment ||
      (appointment.counselorId.toString() !== user.id && appointment.clientId.toString() !== user.id)
    ) {
      throw new AppError('not_found', 'No such appointment.');
    }
    return this.#withPeople(appointment);
  }

  async viewForParticipant(appointmentId: string, user: Pick<CurrentUser, 'id'>): Promise<AppointmentView> {
    return this.#view(await this.getForParticipant(appointmentId, user));
  }

  /** Of `otherIds`, those who share at least one appointment with the user (whose presence they may see). */
  async counterparts(userId: string, otherIds: string[]): Promise<string[]> {
    const ids = otherIds.filter((id) => isValidObjectId(id));
    if (ids.length === 0) return [];
    const shared = await this.db.appointments
      .find({
        $or: [
          { counselorId: userId, clientId: { $in: ids } },
          { clientId: userId, counselorId: { $in: ids } },
        ],
      })
      .select({ counselorId: 1, clientId: 1 })
      .limit(500);
    const allowed = new Set(shared.flatMap((a) => [a.counselorId.toString(), a.clientId.toString()]));
    return ids.filter((id) => allowed.has(id));
  }

  async #withPeople(appointment: AppointmentDocument): Promise<AppointmentWithPeople> {
    const people = await this.db.users
      .find({ _id: { $in: [appointment.counselorId, appointment.clientId] } })
      .select({ displayName: 1 });
    const name = (id: string) => people.find((p) => p.id === id)?.displayName ?? '—';
    const counselorId = appointment.counselorId.toString();
    const clientId = appointment.clientId.toString();
    return {
      appointment,
      counselor: { id: counselorId, displayName: name(counselorId) },
      client: { id: clientId, displayName: name(clientId) },
    };
  }

  #view({ appointment, counselor, client }: AppointmentWithPeople): AppointmentView {
    return {
      id: appointment.id as string,
      startsAt: appointment.startsAt.toISOString(),
      endsAt: appointment.endsAt.toISOString(),
      status: appointment.status,
      counselor,
      client,
    };
  }
}
