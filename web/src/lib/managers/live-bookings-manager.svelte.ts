import type { BookingView, CurrentUser, Role } from '@care/shared';
import { api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { connectSocket, type AppSocket } from '../socket/socket-client.js';
import { subscribe, type Unsubscribe } from '../socket/socket-subscription.js';
import { errorKey } from './schedule-format.js';

/**
 * One person's bookings, kept current: fetched on load, again whenever the
 * server says one changed (and after a reconnect, for pushes missed), and
 * re-labelled once a minute as cut-offs and ends pass. The ASN's list and the
 * counselor's calendar build on it.
 */
export abstract class LiveBookingsManager {
  me = $state<CurrentUser | undefined>(undefined);
  bookings = $state<BookingView[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  now = $state(Date.now());
  /** The last thing that happened, for role=status. */
  notice = $state<MessageKey | undefined>(undefined);

  timeZone = $derived(this.me?.timeZone ?? 'Asia/Jakarta');
  upcoming = $derived(this.bookings.filter((b) => b.status === 'booked' && Date.parse(b.endsAt) > this.now));

  #socket: AppSocket | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #clock: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly role: Role) {}

  /** Told when a live update arrived (after the list was fetched again). */
  protected onLiveUpdate(): void {}

  async load(): Promise<void> {
    try {
      this.me = await api.me();
      if (this.me.role !== this.role) {
        this.error = 'errors.forbidden';
        return;
      }
      await this.refresh();
      this.#watch();
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  async refresh(): Promise<void> {
    this.bookings = await api.bookings();
    this.now = Date.now();
  }

  destroy(): void {
    this.#unsubscribe?.();
    this.#socket?.disconnect();
    this.#socket = undefined;
    clearInterval(this.#clock);
  }

  #watch(): void {
    const socket = connectSocket();
    this.#socket = socket;
    this.#unsubscribe = subscribe(socket, {
      'calendar:changed': () => {
        this.refresh().then(
          () => this.onLiveUpdate(),
          () => undefined,
        );
      },
      reconnect: () => void this.refresh().catch(() => undefined),
    });
    this.#clock = setInterval(() => (this.now = Date.now()), 60_000);
  }
}
