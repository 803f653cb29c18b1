import { CounselorCancelReason, type BookingView, type CurrentUser } from '@care/shared';
import { api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { connectSocket, type AppSocket } from '../socket/socket-client.js';
import { errorKey } from './schedule-format.js';
import { groupByLocalDate } from './slot-days.js';

export const cancelReasons = CounselorCancelReason.options;

/** "Kalender saya": a counselor's upcoming bookings, re-fetched whenever the server says one changed. */
export class CalendarManager {
  me = $state<CurrentUser | undefined>(undefined);
  bookings = $state<BookingView[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  /** Set when a live update arrived, so screen readers hear that the list changed. */
  notice = $state<MessageKey | undefined>(undefined);
  now = $state(Date.now());

  cancelling = $state<string | undefined>(undefined);
  reason = $state<CounselorCancelReason | undefined>(undefined);
  working = $state(false);
  actionError = $state<MessageKey | undefined>(undefined);

  timeZone = $derived(this.me?.timeZone ?? 'Asia/Jakarta');
  upcoming = $derived(this.bookings.filter((b) => b.status === 'booked' && Date.parse(b.endsAt) > this.now));
  days = $derived(groupByLocalDate(this.upcoming, this.timeZone));

  #socket: AppSocket | undefined;
  #clock: ReturnType<typeof setInterval> | undefined;

  async load(): Promise<void> {
    try {
      this.me = await api.me();
      if (this.me.role !== 'counselor') {
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

  startCancel(bookingId: string): void {
    this.cancelling = bookingId;
    this.reason = undefined;
    this.actionError = undefined;
    this.notice = undefined;
  }

  close(): void {
    this.cancelling = undefined;
    this.reason = undefined;
    this.actionError = undefined;
  }

  /** Cancels with the chosen reason code; true when done. */
  async confirmCancel(): Promise<boolean> {
    if (!this.cancelling || this.working) return false;
    if (!this.reason) {
      this.actionError = 'calendar.reasonRequired';
      return false;
    }
    this.working = true;
    this.actionError = undefined;
    try {
      await api.cancelBooking(this.cancelling, this.reason);
      this.close();
      this.notice = 'calendar.cancelled';
      await this.refresh().catch(() => undefined);
      return true;
    } catch (error) {
      this.actionError = errorKey(error);
      return false;
    } finally {
      this.working = false;
    }
  }

  destroy(): void {
    this.#socket?.disconnect();
    this.#socket = undefined;
    clearInterval(this.#clock);
  }

  #watch(): void {
    const socket = connectSocket();
    this.#socket = socket;
    socket.on('calendar:changed', () => {
      this.refresh().then(
        () => (this.notice = 'calendar.updated'),
        () => undefined,
      );
    });
    // Missed pushes while disconnected: fetch again on every reconnect.
    socket.io.on('reconnect', () => void this.refresh().catch(() => undefined));
    this.#clock = setInterval(() => (this.now = Date.now()), 60_000);
  }
}
