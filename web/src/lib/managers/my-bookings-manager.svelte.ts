import type { BookingView, SlotView } from '@care/shared';
import { api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { slotWindow } from './find-counselor-manager.svelte.js';
import { errorKey } from './schedule-format.js';
import { LiveBookingsManager } from './live-bookings-manager.svelte.js';
import { groupByLocalDate } from './slot-days.js';

export type BookingAction = { bookingId: string; kind: 'reschedule' | 'cancel' };

/** Whether the ASN may still move or cancel a booking themselves (the server decides; this only labels). */
export function changeable(booking: BookingView, now = Date.now()): boolean {
  return booking.status === 'booked' && booking.changeableUntil !== null && now < Date.parse(booking.changeableUntil);
}

/** "Jadwal saya": an ASN's upcoming bookings, with reschedule and cancel up to the cut-off; live. */
export class MyBookingsManager extends LiveBookingsManager {

  action = $state<BookingAction | undefined>(undefined);
  slots = $state<SlotView[]>([]);
  slotsLoading = $state(false);
  slotsError = $state<MessageKey | undefined>(undefined);
  pending = $state<SlotView | undefined>(undefined);
  working = $state(false);
  actionError = $state<MessageKey | undefined>(undefined);

  /** Upcoming sessions the counselor had to cancel: the ASN should know, and why. */
  cancelledByCounselor = $derived(
    this.bookings.filter((b) => b.status === 'cancelled' && b.cancelledBy === 'counselor' && Date.parse(b.startsAt) > this.now),
  );
  days = $derived(groupByLocalDate(this.slots, this.timeZone));

  constructor() {
    super('asn');
  }



  isOpen(bookingId: string, kind: BookingAction['kind']): boolean {
    return this.action?.bookingId === bookingId && this.action.kind === kind;
  }

  async startReschedule(booking: BookingView): Promise<void> {
    this.#open({ bookingId: booking.id, kind: 'reschedule' });
    this.slotsLoading = true;
    try {
      this.slots = (await api.counselorSlots(booking.counselor.id, slotWindow())).slots;
    } catch (error) {
      this.slotsError = errorKey(error);
    } finally {
      this.slotsLoading = false;
    }
  }

  startCancel(booking: BookingView): void {
    this.#open({ bookingId: booking.id, kind: 'cancel' });
  }

  pick(slot: SlotView): void {
    this.pending = slot;
    this.actionError = undefined;
  }

  close(): void {
    this.action = undefined;
    this.pending = undefined;
    this.slots = [];
    this.actionError = undefined;
    this.slotsError = undefined;
  }

  async confirmReschedule(): Promise<boolean> {
    const action = this.action;
    if (!action || action.kind !== 'reschedule' || !this.pending) return false;
    return this.#run(() => api.reschedule(action.bookingId, this.pending?.startsAt ?? ''), 'myBookings.rescheduled');
  }

  async confirmCancel(): Promise<boolean> {
    const action = this.action;
    if (!action || action.kind !== 'cancel') return false;
    return this.#run(() => api.cancelBooking(action.bookingId), 'myBookings.cancelled');
  }


  #open(action: BookingAction): void {
    this.close();
    this.notice = undefined;
    this.action = action;
  }

  async #run(change: () => Promise<unknown>, success: MessageKey): Promise<boolean> {
    if (this.working) return false;
    this.working = true;
    this.actionError = undefined;
    try {
      await change();
      this.close();
      this.notice = success;
      await this.refresh().catch(() => undefined);
      return true;
    } catch (error) {
      this.actionError = errorKey(error);
      this.pending = undefined;
      return false;
    } finally {
      this.working = false;
    }
  }

}
