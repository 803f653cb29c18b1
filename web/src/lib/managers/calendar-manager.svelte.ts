import { CounselorCancelReason } from '@care/shared';
import { api } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';
import { LiveBookingsManager } from './live-bookings-manager.svelte.js';
import { groupByLocalDate } from './slot-days.js';

export const cancelReasons = CounselorCancelReason.options;

/** "Kalender saya": a counselor's upcoming bookings, re-fetched whenever the server says one changed. */
export class CalendarManager extends LiveBookingsManager {

  cancelling = $state<string | undefined>(undefined);
  reason = $state<CounselorCancelReason | undefined>(undefined);
  working = $state(false);
  actionError = $state<MessageKey | undefined>(undefined);

  days = $derived(groupByLocalDate(this.upcoming, this.timeZone));

  constructor() {
    super('counselor');
  }

  /** Screen readers hear that the list changed. */
  protected override onLiveUpdate(): void {
    this.notice = 'calendar.updated';
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


}
