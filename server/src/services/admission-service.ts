import type { CurrentUser, LobbyEntry } from '@care/shared';
import { AppError } from '../errors.js';
import type { AppointmentService } from './appointment-service.js';
import type { LobbyService } from './lobby-service.js';
import type { Notifier } from './room-notifier.js';

/**
 * Who may enter which session room. The counselor opens the room; the client
 * waits in the lobby until the counselor admits them. Every check is made
 * here, on the server, so no URL skips the lobby.
 */
export class AdmissionService {
  constructor(
    private readonly appointments: AppointmentService,
    private readonly lobby: LobbyService,
    private readonly notifier: Notifier,
  ) {}

  async knock(user: CurrentUser, appointmentId: string): Promise<{ admitted: boolean; counselorId: string }> {
    const { appointment, counselor, client } = await this.appointments.getForParticipant(appointmentId, user);
    if (client.id !== user.id) throw new AppError('forbidden', 'Only the client waits in the lobby.');
    this.appointments.assertJoinable(appointment);
    if (await this.lobby.isAdmitted(appointmentId, user.id)) return { admitted: true, counselorId: counselor.id };
    const entry = await this.lobby.knock(appointmentId, user.id, user.displayName);
    this.notifier.toUser(counselor.id, 'lobby:knock', entry);
    return { admitted: false, counselorId: counselor.id };
  }

  async waiting(user: CurrentUser, appointmentId: string): Promise<LobbyEntry[]> {
    await this.#asCounselor(user, appointmentId);
    return this.lobby.waiting(appointmentId);
  }

  async admit(user: CurrentUser, appointmentId: string, clientId: string): Promise<void> {
    const { client } = await this.#asCounselor(user, appointmentId);
    if (client.id !== clientId) throw new AppError('not_found', 'That person is not part of this appointment.');
    await this.lobby.admit(appointmentId, clientId);
    this.notifier.toUser(clientId, 'lobby:admitted', { appointmentId });
  }

  /** The counselor tells whoever waits that they will be a few minutes late. */
  async notifyLate(user: CurrentUser, appointmentId: string, minutes: number): Promise<void> {
    const { client } = await this.#asCounselor(user, appointmentId);
    this.notifier.toUser(client.id, 'lobby:late', { appointmentId, minutes });
  }

  /** The client stopped waiting (closed the page or lost the connection). */
  async leaveLobby(user: CurrentUser, appointmentId: string, counselorId: string): Promise<void> {
    if (await this.lobby.leave(appointmentId, user.id)) {
      this.notifier.toUser(counselorId, 'lobby:left', { appointmentId, userId: user.id });
    }
  }

  /** Returns the room id when the user may enter the session now. */
  async authorizeRoom(user: CurrentUser, appointmentId: string): Promise<string> {
    const { appointment, counselor } = await this.appointments.getForParticipant(appointmentId, user);
    this.appointments.assertJoinable(appointment);
    if (counselor.id !== user.id && !(await this.lobby.isAdmitted(appointmentId, user.id))) {
      throw new AppError('not_admitted', 'Please wait in the lobby until your counselor lets you in.');
    }
    return appointment.roomId;
  }

  async #asCounselor(user: CurrentUser, appointmentId: string) {
    const found = await this.appointments.getForParticipant(appointmentId, user);
    if (found.counselor.id !== user.id) throw new AppError('forbidden', 'Only the counselor can do this.');
    return found;
  }
}
