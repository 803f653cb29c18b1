import type { CurrentUser, ReminderDue } from '@care/shared';
import { api } from '../api/api-client.js';
import { connectSocket, type AppSocket } from '../socket/socket-client.js';
import { subscribe, type Unsubscribe } from '../socket/socket-subscription.js';

/** At or below this many minutes before the start, a reminder counts the minutes ("in 15 minutes"). */
export const SOON_MINUTES = 120;

/**
 * Reminders pushed by the server (`reminder:due`) while someone is signed
 * in, on any page: the latest one per session (an appointment or a circle
 * meeting), until it is dismissed or
 * the session is over. Lives in the layout, so it follows the person across
 * pages; `sync` is called on every navigation to notice signing in and out.
 * In a session it lets go of its connection: nothing should interrupt the
 * conversation, and the session page keeps its own (the email still comes).
 */
export class RemindersManager {
  me = $state<CurrentUser | undefined>(undefined);
  items = $state<ReminderDue[]>([]);
  now = $state(Date.now());
  /** Whether this server keeps mail in the dev outbox (development without SMTP). */
  outboxAvailable = $state(false);

  timeZone = $derived(this.me?.timeZone ?? 'Asia/Jakarta');

  #socket: AppSocket | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #clock: ReturnType<typeof setInterval> | undefined;
  #syncing: Promise<void> | undefined;

  /** Connects once someone is signed in (or another person signed in); lets go after signing out and in a session. */
  sync(inSession: boolean): Promise<void> {
    // One after the other, so the last navigation decides.
    this.#syncing = (this.#syncing ?? Promise.resolve()).then(() => this.#sync(inSession)).catch(() => undefined);
    return this.#syncing;
  }

  async #sync(inSession: boolean): Promise<void> {
    if (inSession) {
      this.#disconnect();
      return;
    }
    let me: CurrentUser | undefined;
    try {
      me = await api.me();
    } catch {
      me = undefined;
    }
    if (me?.id === this.me?.id && (me === undefined || this.#socket)) return;
    this.#disconnect();
    this.me = me;
    this.items = [];
    if (!me) return;
    this.#connect();
    this.outboxAvailable = await api.devOutbox().then(
      () => true,
      () => false,
    );
  }

  dismiss(item: ReminderDue): void {
    this.items = this.items.filter((i) => i.sessionId !== item.sessionId);
  }

  /** Whole minutes until the start (at least 1), for "in 15 minutes". */
  minutesLeft(item: ReminderDue): number {
    return Math.max(1, Math.round((Date.parse(item.startsAt) - this.now) / 60_000));
  }

  isSoon(item: ReminderDue): boolean {
    return Date.parse(item.startsAt) - this.now <= SOON_MINUTES * 60_000;
  }

  destroy(): void {
    this.#disconnect();
  }

  #connect(): void {
    const socket = connectSocket();
    this.#socket = socket;
    this.#unsubscribe = subscribe(socket, {
      'reminder:due': (reminder) => {
        // The newest reminder of a session replaces the earlier one.
        this.items = [...this.items.filter((i) => i.sessionId !== reminder.sessionId), reminder];
        this.now = Date.now();
      },
    });
    this.#clock = setInterval(() => {
      this.now = Date.now();
      this.items = this.items.filter((i) => Date.parse(i.endsAt) > this.now);
    }, 30_000);
  }

  #disconnect(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#socket?.disconnect();
    this.#socket = undefined;
    clearInterval(this.#clock);
    this.#clock = undefined;
  }
}
