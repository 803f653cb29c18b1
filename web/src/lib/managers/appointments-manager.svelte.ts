import type { AppointmentView, CurrentUser, LobbyEntry } from '@care/shared';
import { api } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { connectSocket, request, type AppSocket } from '../socket/socket-client.js';
import { subscribe, type Unsubscribe } from '../socket/socket-subscription.js';

// Mirrors the server's join window (AppointmentService); the server decides, this only labels.
const OPENS_BEFORE_MS = 15 * 60_000;
const CLOSES_AFTER_MS = 15 * 60_000;

/** The appointments list, and for counselors who is waiting in each lobby, live. */
export class AppointmentsManager {
  me = $state<CurrentUser | undefined>(undefined);
  appointments = $state<AppointmentView[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  waiting = $state<Record<string, LobbyEntry[]>>({});
  #socket: AppSocket | undefined;
  #unsubscribe: Unsubscribe | undefined;

  async load(): Promise<void> {
    try {
      this.me = await api.me();
      if (this.me.role !== 'admin') this.appointments = await api.appointments();
    } catch (error) {
      this.error = error instanceof ApiError ? (`errors.${error.code}` as MessageKey) : 'errors.internal';
    } finally {
      this.loading = false;
    }
    if (this.me?.role === 'counselor') this.#watchLobbies();
  }

  joinState(appointment: AppointmentView, now = Date.now()): 'early' | 'open' | 'ended' {
    if (now < Date.parse(appointment.startsAt) - OPENS_BEFORE_MS) return 'early';
    if (now > Date.parse(appointment.endsAt) + CLOSES_AFTER_MS) return 'ended';
    return 'open';
  }

  waitingCount(appointmentId: string): number {
    return this.waiting[appointmentId]?.length ?? 0;
  }

  async signOut(): Promise<void> {
    await api.logout().catch(() => undefined);
    this.destroy();
  }

  destroy(): void {
    this.#unsubscribe?.();
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  #watchLobbies(): void {
    const socket = connectSocket();
    this.#socket = socket;
    const open = () => this.appointments.filter((a) => this.joinState(a) === 'open');
    this.#unsubscribe = subscribe(socket, {
      connect: () => {
        for (const appointment of open()) {
          request(socket, 'lobby:watch', { sessionId: appointment.id }).then(
            (entries) => (this.waiting = { ...this.waiting, [appointment.id]: entries }),
            () => undefined,
          );
        }
      },
      'lobby:knock': (entry) => {
        const list = (this.waiting[entry.sessionId] ?? []).filter((e) => e.userId !== entry.userId);
        this.waiting = { ...this.waiting, [entry.sessionId]: [...list, entry] };
      },
      'lobby:left': ({ sessionId: appointmentId, userId }) => {
        this.waiting = { ...this.waiting, [appointmentId]: (this.waiting[appointmentId] ?? []).filter((e) => e.userId !== userId) };
      },
    });
  }
}
