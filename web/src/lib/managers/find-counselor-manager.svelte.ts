import { counselorLanguages, specialities, type AllowanceView, type BookingView, type CounselorLanguage, type CounselorQuery, type CounselorSummary, type CurrentUser, type SlotView, type Speciality } from '@care/shared';
import { api, programmeApi } from '../api/api-client.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { errorKey } from './schedule-format.js';
import { groupByLocalDate } from './slot-days.js';

/** How far ahead the slot list looks. The server caps it at the counselor's horizon. */
export const SLOT_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;

/** Free slots of one counselor from now on, for booking or rescheduling. */
export function slotWindow(now = Date.now()): { from: string; to: string } {
  return { from: new Date(now).toISOString(), to: new Date(now + SLOT_WINDOW_DAYS * DAY_MS).toISOString() };
}

export { counselorLanguages, specialities };

/** "Cari konselor": an ASN chooses a counselor and books one of their free slots, after confirming. */
export class FindCounselorManager {
  me = $state<CurrentUser | undefined>(undefined);
  counselors = $state<CounselorSummary[]>([]);
  loading = $state(true);
  error = $state<MessageKey | undefined>(undefined);

  /** The filter being chosen ('' is any), and the one the list was last fetched with (kept in memory only). */
  language = $state<CounselorLanguage | ''>('');
  speciality = $state<Speciality | ''>('');
  applied = $state<CounselorQuery>({});
  filtering = $state(false);
  filterError = $state<MessageKey | undefined>(undefined);
  isFiltered = $derived(this.applied.language !== undefined || this.applied.speciality !== undefined);

  selected = $state<CounselorSummary | undefined>(undefined);
  slots = $state<SlotView[]>([]);
  slotsLoading = $state(false);
  slotsError = $state<MessageKey | undefined>(undefined);

  /** The slot chosen and waiting for "Ya, pesan". */
  pending = $state<SlotView | undefined>(undefined);
  booking = $state(false);
  bookError = $state<MessageKey | undefined>(undefined);
  booked = $state<BookingView | undefined>(undefined);

  /** The session allowance, shown before booking (and read again after each booking). */
  allowance = $state<AllowanceView | undefined>(undefined);

  /** Times are shown in the ASN's own zone. */
  timeZone = $derived(this.me?.timeZone ?? 'Asia/Jakarta');
  days = $derived(groupByLocalDate(this.slots, this.timeZone));

  async load(): Promise<void> {
    this.loading = true;
    this.error = undefined;
    try {
      this.me = await api.me();
      if (this.me.role !== 'asn') {
        this.error = 'errors.forbidden';
        return;
      }
      [this.counselors, this.allowance] = await Promise.all([api.counselors(), programmeApi.allowance()]);
    } catch (error) {
      this.error = errorKey(error);
    } finally {
      this.loading = false;
    }
  }

  /** Fetches the list again with the chosen language and speciality; the server does the filtering. */
  async applyFilter(): Promise<void> {
    if (this.filtering) return;
    const filter: CounselorQuery = {
      ...(this.language ? { language: this.language } : {}),
      ...(this.speciality ? { speciality: this.speciality } : {}),
    };
    this.filtering = true;
    this.filterError = undefined;
    try {
      this.counselors = await api.counselors(filter);
      this.applied = filter;
    } catch (error) {
      this.filterError = errorKey(error);
    } finally {
      this.filtering = false;
    }
  }

  async clearFilter(): Promise<void> {
    this.language = '';
    this.speciality = '';
    await this.applyFilter();
  }

  async choose(counselorId: string): Promise<void> {
    const counselor = this.counselors.find((c) => c.id === counselorId);
    if (!counselor) return;
    this.selected = counselor;
    this.pending = undefined;
    this.booked = undefined;
    this.bookError = undefined;
    await this.loadSlots();
  }

  async loadSlots(): Promise<void> {
    if (!this.selected) return;
    this.slotsLoading = true;
    this.slotsError = undefined;
    try {
      this.slots = (await api.counselorSlots(this.selected.id, slotWindow())).slots;
    } catch (error) {
      this.slots = [];
      this.slotsError = errorKey(error);
    } finally {
      this.slotsLoading = false;
    }
  }

  back(): void {
    this.selected = undefined;
    this.slots = [];
    this.pending = undefined;
    this.bookError = undefined;
  }

  pick(slot: SlotView): void {
    this.pending = slot;
    this.bookError = undefined;
    this.booked = undefined;
  }

  dismiss(): void {
    this.pending = undefined;
    this.bookError = undefined;
  }

  /** Books the pending slot; true when booked. A refused slot is dropped and the list refreshed. */
  async confirm(): Promise<boolean> {
    if (!this.selected || !this.pending || this.booking) return false;
    this.booking = true;
    this.bookError = undefined;
    try {
      this.booked = await api.book({ counselorId: this.selected.id, startsAt: this.pending.startsAt });
      this.pending = undefined;
      void this.loadSlots();
      void this.#readAllowance();
      return true;
    } catch (error) {
      this.bookError = errorKey(error);
      this.pending = undefined;
      void this.loadSlots();
      return false;
    } finally {
      this.booking = false;
    }
  }

  async #readAllowance(): Promise<void> {
    // Only shown: a failure here leaves the last figure, and the server refuses a booking past it anyway.
    this.allowance = await programmeApi.allowance().catch(() => this.allowance);
  }
}
