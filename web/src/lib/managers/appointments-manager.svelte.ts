import type { AppointmentView, CurrentUser, LobbyEntry } from '@care/shared';
import { api } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { connectSocket, request, type AppSocket } from '../socket/socket-client.js';
import { subscribe, type Unsubscribe } from '../socket/socket-subscription.js';
import { canEnter } from './circle-entry.js';
import { nextFacilitatedMeetings, type FacilitatedMeeting } from './facilitated-meetings.js';

// Mirrors the server's join window (AppointmentService); the server decides, this only labels.
const OPENS_BEFORE_MS = 15 * 60_000;
const CLOSES_AFTER_MS = 15 * 60_000;
/** Labels follow the clock: a way in appears when its window opens, without a reload. */
const CLOCK_MS = 30_000;

/**
 * The appointments list, and for counselors the next meeting of each circle
 * they facilitate beside it, and who is waiting in each lobby, live.
 */
export class AppointmentsManager {
  me = $state<CurrentUser | undefined>(undefined);
  appointments = $state<AppointmentView[]>([]);
  /** Counselors: the next meeting of each circle they facilitate. */
  circleMeetings = $state<FacilitatedMeeting[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  waiting = $state<Record<string, LobbyEntry[]>>({});
  now = $state(Date.now());
  #socket: AppSocket | undefined;
  #clock: ReturnType<typeof setInterval> | undefined;
  #unsubscribe: Unsubscribe | undefined;

  async load(): Promise<void> {
    try {
      this.me = await api.me();
      if (this.me.role !== 'admin') this.appointments = await api.appointments();
      if (this.me.role === 'counselor') this.circleMeetings = nextFacilitatedMeetings(await api.facilitatedCircles(), Date.now());
    } catch (error) {
      this.error = error instanceof ApiError ? (`errors.${error.code}` as MessageKey) : 'errors.internal';
    } finally {
      this.loading = false;
    }
    this.#clock = setInterval(() => (this.now = Date.now()), CLOCK_MS);
    if (this.me?.role === 'counselor') this.#watchLobbies();
  }

  joinState(appointment: AppointmentView, now = this.now): 'early' | 'open' | 'ended' {
    if (now < Date.parse(appointment.startsAt) - OPENS_BEFORE_MS) return 'early';
    if (now > Date.parse(appointment.endsAt) + CLOSES_AFTER_MS) return 'ended';
    return 'open';
  }

  /** The circle meetings whose room the facilitator can open now (the same 15 minutes before as members). */
  canEnterMeeting(entry: FacilitatedMeeting, now = this.now): boolean {
    return canEnter(entry.meeting, now);
  }

  waitingCount(sessionId: string): number {
    return this.waiting[sessionId]?.length ?? 0;
  }

  async signOut(): Promise<void> {
    await api.logout().catch(() => undefined);
    this.destroy();
  }

  destroy(): void {
    clearInterval(this.#clock);
    this.#unsubscribe?.();
    this.#socket?.disconnect();
    this.#socket = undefined;
  }

  #watchLobbies(): void {
    const socket = connectSocket();
    this.#socket = socket;
    // Sessions open now, 1:1 and circle meetings alike: their lobbies are the host's to watch.
    const open = () => [
      ...this.appointments.filter((a) => this.joinState(a) === 'open').map((a) => a.id),
      ...this.circleMeetings.filter((m) => this.canEnterMeeting(m)).map((m) => m.meeting.id),
    ];
    this.#unsubscribe = subscribe(socket, {
      connect: () => {
        for (const sessionId of open()) {
          request(socket, 'lobby:watch', { sessionId }).then(
            (entries) => (this.waiting = { ...this.waiting, [sessionId]: entries }),
            () => undefined,
          );
        }
      },
      'lobby:knock': (entry) => {
        const list = (this.waiting[entry.sessionId] ?? []).filter((e) => e.userId !== entry.userId);
        this.waiting = { ...this.waiting, [entry.sessionId]: [...list, entry] };
      },
      'lobby:left': ({ sessionId, userId }) => {
        this.waiting = { ...this.waiting, [sessionId]: (this.waiting[sessionId] ?? []).filter((e) => e.userId !== userId) };
      },
    });
  }
}
