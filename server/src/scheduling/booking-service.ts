import { randomUUID } from 'node:crypto';
import {
  instantAt,
  slotEnd,
  slotProblem,
  type AvailabilityRules,
  type BookingView,
  type CancelBookingBody,
  type CancelReason,
  type CreateBookingBody,
  type CurrentUser,
  type InstantRangeQuery,
  type RescheduleBookingBody,
} from '@care/shared';
import { isValidObjectId, Types } from 'mongoose';
import type { Logger } from 'pino';
import { calendarSequenceOf, calendarUidOf, firstCalendarUid } from '../calendar/calendar-identity.js';
import type { AccountCache } from '../auth/account-cache.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { AvailabilityService } from './availability-service.js';
import type { BookingChangeLock } from './booking-change-lock.js';
import { duplicateKeyFields, isDuplicateKey, slotProblemError } from './booking-errors.js';
import { cancelledRecord, liveRecord, toBookingViews, type BookingRecord, type NameLookup } from './booking-views.js';
import { programmeYearOf, type AllowanceSeats } from './allowance-seats.js';
import type { DaySeats } from './day-seats.js';
import { requireRole } from './scheduling-access.js';
import type { SchedulingModels } from './scheduling-models.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How far apart two bookings' starts can be and still overlap: the longest session (180 min) and buffer (120 min) the rules allow. */
const OVERLAP_REACH_MS = 5 * HOUR;
/** At most this many bookings of each kind (live, cancelled) in one list. */
const MAX_LISTED = 200;

export interface BookingOptions {
  /** How long before the start an ASN may still reschedule or cancel (default 24 h). */
  changeCutoffHours: number;
  now: () => Date;
  /**
   * Told of every change, for live calendars. FerretDB has no change streams,
   * so the node that made the change pushes it (over Socket.IO with Redis).
   */
  onChange?: (change: { counselorId: string; clientId: string; bookingId: string; change: 'booked' | 'rescheduled' | 'cancelled' }) => void;
}

/** What the move of a booking to cancelled_appointments records. */
interface Cancellation {
  cancelledBy: 'asn' | 'counselor';
  reason: CancelReason;
  rescheduledTo: Types.ObjectId | null;
}

/** The calendar event a new booking continues: a reschedule keeps the UID and raises the sequence. */
interface CalendarContinuation {
  uid: string;
  sequence: number;
}

/** What one insert of a booking needs: its id (chosen before the day seat is claimed), the slot, and the calendar event it continues. */
interface NewBooking {
  _id: Types.ObjectId;
  rules: AvailabilityRules;
  counselorId: string;
  clientId: string;
  startsAt: Date;
  calendar?: CalendarContinuation | null;
}

/** The capacity claims a booking holds besides its appointment: its counselor's day seat and its person's allowance seat. */
export interface BookingSeats {
  day: DaySeats;
  allowance: AllowanceSeats;
}

/** The live appointment as the changes read it. */
interface LiveAppointment {
  _id: Types.ObjectId;
  counselorId: Types.ObjectId;
  clientId: Types.ObjectId;
  startsAt: Date;
  endsAt: Date;
  status: 'booked' | 'cancelled' | 'completed';
  createdAt?: Date;
  calendarUid?: string | null;
  calendarSequence?: number | null;
}

/**
 * 1:1 bookings. A booking IS an `appointments` document, inserted with status
 * 'booked': the session layer (lobby, room) uses it unchanged.
 *
 * The guarantees and where they live:
 * - no double booking of a counselor: the unique index {counselorId, startsAt}
 *   on the insert, whatever the concurrency; the checks before the insert
 *   only make the common refusals cheap and well worded;
 * - no ASN with two bookings at one start: the unique index {clientId, startsAt};
 * - the daily maximum: a `day_seats` claim ({counselorId, localDate, seatNo}
 *   unique, seat numbers 1..maxPerDay) inserted before the appointment and
 *   given back if the appointment is refused (DaySeats);
 * - the person's session allowance: an `allowance_seats` claim ({clientId,
 *   year, seatNo} unique, 1..allowance + grants) inserted first of all and
 *   given back if the day seat or the appointment is refused, or the booking
 *   is cancelled (AllowanceSeats);
 * - overlapping but different starts (after a counselor changed the grid)
 *   and an ASN's overlapping sessions with two counselors are checked before
 *   the insert, not by an index: two requests racing on those can both pass
 *   (a known limit);
 * - nothing half-written: a refused booking gives back its seats; a
 *   request that dies between the inserts leaves seats with no appointment,
 *   which the next booking to find the day (or the year) full reclaims.
 */
export class BookingService {
  /** Names from this node's account cache. */
  readonly #names: NameLookup = async (id) => (await this.accounts.get(id))?.displayName;

  constructor(
    private readonly db: Database,
    private readonly models: SchedulingModels,
    private readonly availability: AvailabilityService,
    private readonly accounts: AccountCache,
    private readonly lock: BookingChangeLock,
    private readonly seats: BookingSeats,
    private readonly log: Logger,
    private readonly options: BookingOptions,
  ) {}

  get cutoffMs(): number {
    return this.options.changeCutoffHours * HOUR;
  }

  /**
   * An ASN books a free slot of a counselor. `appointmentId`: the id to book
   * under, chosen by a caller that recorded it first (an accepted follow-up
   * proposal); a fresh one otherwise.
   */
  async book(user: CurrentUser, body: CreateBookingBody, appointmentId: Types.ObjectId = new Types.ObjectId()): Promise<BookingView> {
    requireRole(user, ['asn'], 'book a session');
    const startsAt = new Date(body.startsAt);
    const rules = await this.#rulesOrRefuse(body.counselorId);
    await this.#assertBookable(rules, body.counselorId, user.id, startsAt, null);
    const _id = appointmentId;
    const [counselorId, clientId] = [new Types.ObjectId(body.counselorId), new Types.ObjectId(user.id)];
    await this.seats.allowance.claim({ clientId, appointmentId: _id, startsAt });
    await this.#holdingSeats(_id, () => this.seats.day.claim({ counselorId, clientId, appointmentId: _id, startsAt, rules }));
    const created = await this.#insertHoldingSeat({ _id, rules, counselorId: body.counselorId, clientId: user.id, startsAt });
    this.log.info({ appointmentId: created.id }, 'booked');
    return this.#announce(await this.#view(created, user), 'booked');
  }

  /**
   * An ASN moves their booking to another free slot of the same counselor, up
   * to the cut-off. The new booking is inserted first and the old one
   * released after: if the new slot is refused, the old booking is untouched,
   * and there is no moment in which the ASN holds neither. If the process dies
   * between the two, the ASN holds both for a while and can cancel one —
   * better than holding none.
   */
  async reschedule(user: CurrentUser, bookingId: string, body: RescheduleBookingBody): Promise<BookingView> {
    requireRole(user, ['asn'], 'reschedule a booking');
    return this.lock.hold(bookingId, async () => {
      const old = await this.#ownLive(user, bookingId);
      this.#assertBeforeCutoff(old, 'rescheduled');
      const startsAt = new Date(body.startsAt);
      if (startsAt.getTime() === old.startsAt.getTime()) {
        throw new AppError('invalid_payload', 'The booking is already at that time; choose another slot to move it to.', [
          { path: 'startsAt', message: 'is the current time of the booking' },
        ]);
      }
      const counselorId = old.counselorId.toString();
      const rules = await this.#rulesOrRefuse(counselorId);
      // The booking being moved does not count against its own new slot.
      await this.#assertBookable(rules, counselorId, user.id, startsAt, old._id.toString());
      // The same calendar event, moved: calendars update it in place.
      const calendar = { uid: calendarUidOf(old), sequence: calendarSequenceOf(old) + 1 };
      const _id = new Types.ObjectId();
      const [oldSeat, oldAllowance] = await Promise.all([this.seats.day.heldBy(old._id), this.seats.allowance.heldBy(old._id)]);
      // Within its programme year the booking keeps its allowance seat (a used-up allowance must not refuse a move).
      const keepsAllowance = oldAllowance !== null && oldAllowance.year === programmeYearOf(startsAt);
      if (!keepsAllowance) await this.seats.allowance.claim({ clientId: old.clientId, appointmentId: _id, startsAt });
      let created: BookingRecord;
      if (oldSeat && oldSeat.localDate === this.seats.day.localDateOf(startsAt, rules)) {
        // Within its day the booking keeps its seat (a full day must not refuse the move).
        created = await this.#holdingSeats(_id, () => this.#insert({ _id, rules, counselorId, clientId: user.id, startsAt, calendar }));
        await this.seats.day.transfer(old._id, { appointmentId: _id, startsAt });
      } else {
        await this.#holdingSeats(_id, () => this.seats.day.claim({ counselorId: old.counselorId, clientId: old.clientId, appointmentId: _id, startsAt, rules }));
        created = await this.#insertHoldingSeat({ _id, rules, counselorId, clientId: user.id, startsAt, calendar });
      }
      if (keepsAllowance) await this.seats.allowance.transfer(old._id, { appointmentId: _id, startsAt });
      await this.#moveToCancelled(old, { cancelledBy: 'asn', reason: 'rescheduled', rescheduledTo: _id });
      this.log.info({ appointmentId: created.id, replaces: old._id.toString() }, 'booking rescheduled');
      return this.#announce(await this.#view(created, user), 'rescheduled');
    });
  }

  /**
   * Cancels a booking: the ASN up to the cut-off, without a reason; the
   * counselor any time until the session is over, with a reason code.
   */
  async cancel(user: CurrentUser, bookingId: string, body: CancelBookingBody): Promise<BookingView> {
    requireRole(user, ['asn', 'counselor'], 'cancel a booking');
    if (user.role === 'counselor' && !body.reason) {
      throw new AppError('invalid_payload', 'Please choose a reason; the client sees its message.', [{ path: 'reason', message: 'is required for counselors' }]);
    }
    if (user.role === 'asn' && body.reason) {
      // An ASN owes no reason, and none is stored for them: it could say too much.
      throw new AppError('invalid_payload', 'Clients cancel without giving a reason.', [{ path: 'reason', message: 'is only for counselors' }]);
    }
    return this.lock.hold(bookingId, async () => {
      const booking = await this.#ownLive(user, bookingId);
      if (user.role === 'asn') {
        this.#assertBeforeCutoff(booking, 'cancelled');
      } else if (booking.status !== 'booked' || booking.endsAt.getTime() <= this.options.now().getTime()) {
        throw new AppError('past_cutoff', 'This session is already over and can no longer be cancelled.');
      }
      const cancelled = await this.#moveToCancelled(booking, {
        cancelledBy: user.role === 'counselor' ? 'counselor' : 'asn',
        reason: body.reason ?? 'client_cancelled',
        rescheduledTo: null,
      });
      this.log.info({ appointmentId: cancelled.id, by: user.role }, 'booking cancelled');
      return this.#announce(await this.#view(cancelled, user), 'cancelled');
    });
  }

  #announce(view: BookingView, change: 'booked' | 'rescheduled' | 'cancelled'): BookingView {
    this.options.onChange?.({ counselorId: view.counselor.id, clientId: view.client.id, bookingId: view.id, change });
    return view;
  }

  /**
   * One's own bookings, live and cancelled, whose start is in [from, to)
   * (defaults: from a day ago on). An ASN sees theirs; a counselor their own
   * calendar, with the people booked with them.
   */
  async list(user: CurrentUser, range: InstantRangeQuery): Promise<BookingView[]> {
    requireRole(user, ['asn', 'counselor'], 'see bookings');
    const now = this.options.now();
    const from = range.from ? new Date(range.from) : new Date(now.getTime() - DAY);
    const to = range.to ? new Date(range.to) : new Date(now.getTime() + 400 * DAY);
    const who = new Types.ObjectId(user.id);
    const filter = { ...(user.role === 'counselor' ? { counselorId: who } : { clientId: who }), startsAt: { $gte: from, $lt: to } };
    const [live, cancelled] = await Promise.all([
      this.db.appointments.find(filter).sort({ startsAt: 1 }).limit(MAX_LISTED).lean(),
      this.models.cancelledAppointments.find(filter).sort({ startsAt: 1 }).limit(MAX_LISTED).lean(),
    ]);
    const records = [...live.map(liveRecord), ...cancelled.map(cancelledRecord)].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
    return toBookingViews(this.#names, records, this.cutoffMs, [user]);
  }

  /**
   * The rules of a counselor who can be booked; a deactivated counselor is
   * "no such counselor", rules or not. Both from this node's caches, current
   * as of the request's sign-in read (see AuthService.signedIn).
   */
  async #rulesOrRefuse(counselorId: string): Promise<AvailabilityRules> {
    const [rules, counselor] = await Promise.all([this.availability.rulesOf(counselorId), this.availability.bookableCounselor(counselorId)]);
    if (!counselor) throw new AppError('not_found', 'No such counselor.');
    if (!rules) throw new AppError('outside_availability', 'This counselor has not opened any times for booking yet.');
    return rules;
  }

  /**
   * The slot rules (window, grid, exceptions, buffer, daily maximum) against
   * the counselor's bookings, and the ASN's own sessions at that time. These
   * reads make refusals cheap and precise; the unique indexes on the insert
   * are what make a double booking impossible.
   */
  async #assertBookable(rules: AvailabilityRules, counselorId: string, clientId: string, startsAt: Date, movingId: string | null): Promise<void> {
    const now = this.options.now();
    // Refuse what no booking can change before reading any.
    const early = slotProblem(rules, [], startsAt, now);
    if (early) throw slotProblemError(early, rules);
    // The slot's local day (the daily maximum) and whatever could overlap it: no more, since every booking read costs.
    const endsAt = slotEnd(rules, startsAt);
    const day = this.seats.day.localDateOf(startsAt, rules);
    const [dayStarts, dayEnds] = [instantAt(day, 0, rules.timeZone), instantAt(day, 1440, rules.timeZone)];
    const window = {
      $gte: new Date(Math.min(dayStarts.getTime(), startsAt.getTime() - OVERLAP_REACH_MS)),
      $lt: new Date(Math.max(dayEnds.getTime(), endsAt.getTime() + OVERLAP_REACH_MS)),
    };
    const fields = { clientId: 1, startsAt: 1, endsAt: 1 };
    const [counselorBookings, clientBookings] = await Promise.all([
      this.db.appointments.find({ counselorId, startsAt: window }).select(fields).lean(),
      this.db.appointments.find({ clientId, startsAt: window }).select(fields).lean(),
    ]);
    const others = (list: typeof counselorBookings) => list.filter((b) => b._id.toString() !== movingId);
    // The ASN's own sessions first: a second click on the slot they just got is
    // "yours", not "taken". Both reads count (they run side by side, and one may
    // already see a booking the other does not).
    const own = [...others(clientBookings), ...others(counselorBookings).filter((b) => b.clientId.toString() === clientId)];
    if (own.some((b) => b.startsAt < endsAt && startsAt < b.endsAt)) {
      throw new AppError('already_booked', 'You already have a session at that time.');
    }
    const problem = slotProblem(rules, others(counselorBookings), startsAt, now);
    if (problem) throw slotProblemError(problem, rules);
  }

  /** The insert of a booking whose seats are claimed: a refused insert gives them back. */
  async #insertHoldingSeat(booking: NewBooking): Promise<BookingRecord> {
    return this.#holdingSeats(booking._id, () => this.#insert(booking));
  }

  /**
   * A step of a booking that holds seats (its allowance seat, maybe its day
   * seat): if the step is refused, every seat claimed for this appointment id
   * is given back before the refusal goes on. A seat of the booking being
   * moved belongs to the old id and stays.
   */
  async #holdingSeats<T>(appointmentId: Types.ObjectId, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      await this.#releaseSeats(appointmentId).catch((releaseError: unknown) => {
        // Left behind, they are reclaimed as orphans by the next booking that finds the day (or the year) full.
        this.log.warn({ err: releaseError, appointmentId: appointmentId.toString() }, 'seats not given back');
      });
      throw error;
    }
  }

  async #releaseSeats(appointmentId: Types.ObjectId): Promise<void> {
    await Promise.all([this.seats.day.release(appointmentId), this.seats.allowance.release(appointmentId)]);
  }

  /** The commit point of a booking: one insert under the unique indexes. */
  async #insert({ _id, rules, counselorId, clientId, startsAt, calendar = null }: NewBooking): Promise<BookingRecord> {
    try {
      const doc = await this.db.appointments.create({
        _id,
        calendarUid: calendar?.uid ?? firstCalendarUid(_id),
        calendarSequence: calendar?.sequence ?? 0,
        counselorId,
        clientId,
        startsAt,
        endsAt: slotEnd(rules, startsAt),
        roomId: randomUUID(),
        status: 'booked',
      });
      return liveRecord(doc);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw await this.#duplicateError(error, counselorId, clientId, startsAt);
    }
  }

  /**
   * Which unique index refused the insert: someone else holds the counselor's
   * slot (slot_taken), or the ASN holds this start already (already_booked).
   * Looked up rather than read from the error: FerretDB does not name the
   * index, and even a {counselorId, startsAt} refusal is "yours" when the
   * holder is this same ASN (a double click). Only refused inserts pay for it.
   */
  async #duplicateError(error: unknown, counselorId: string, clientId: string, startsAt: Date): Promise<AppError> {
    const taken = new AppError('slot_taken', 'That slot has just been taken. Please choose another one.');
    const yours = new AppError('already_booked', 'You already have a session at that time.');
    const holder = await this.db.appointments.findOne({ counselorId, startsAt }).select({ clientId: 1 }).lean();
    if (holder) return holder.clientId.toString() === clientId ? yours : taken;
    if (duplicateKeyFields(error)?.includes('clientId')) return yours;
    // The holder is gone already (cancelled in between): say which side it was, if we can still see it.
    return (await this.db.appointments.exists({ clientId, startsAt })) ? yours : taken;
  }

  /** A live booking the user takes part in (as the ASN or the counselor); otherwise not found, revealing nothing. */
  async #ownLive(user: CurrentUser, bookingId: string): Promise<LiveAppointment> {
    const notFound = new AppError('not_found', 'No such booking.');
    if (!isValidObjectId(bookingId)) throw notFound;
    const side = user.role === 'counselor' ? 'counselorId' : 'clientId';
    const booking = await this.db.appointments.findById(bookingId).lean<LiveAppointment>();
    if (booking && booking[side].toString() === user.id) return booking;
    // A second click on "cancel", or a change from another tab that got there first.
    if (!booking && (await this.models.cancelledAppointments.exists({ _id: bookingId, [side]: user.id }))) {
      throw new AppError('conflict', 'This booking has already been cancelled or moved.');
    }
    throw notFound;
  }

  #assertBeforeCutoff(booking: LiveAppointment, what: 'rescheduled' | 'cancelled'): void {
    if (booking.status !== 'booked' || this.options.now().getTime() > booking.startsAt.getTime() - this.cutoffMs) {
      throw new AppError(
        'past_cutoff',
        `A booking can be ${what} up to ${this.options.changeCutoffHours} hours before it starts. Please contact your counselor.`,
      );
    }
  }

  /**
   * Frees the slot of a booking by moving it out of `appointments`.
   *
   * Order: the copy in cancelled_appointments is inserted FIRST, the original
   * deleted SECOND. Stopped between the two (a crash, the database gone), the
   * booking is still live — the slot still taken, the session still joinable —
   * and a retry finishes the move: the copy's unique _id makes the second
   * insert a no-op, and the delete goes through. The other order could lose
   * the record that the booking ever existed and was cancelled (what the
   * people see, and what reminders and calendar invites will need), and free
   * the slot with no trace why.
   *
   * The calendar identity goes along. A cancellation raises the sequence (its
   * CANCEL must supersede the last REQUEST); a reschedule does not, since the
   * moved-away copy is never sent — the new booking carries the event on.
   */
  async #moveToCancelled(booking: LiveAppointment, change: Cancellation): Promise<BookingRecord> {
    const sequence = calendarSequenceOf(booking) + (change.reason === 'rescheduled' ? 0 : 1);
    const copy = {
      calendarUid: calendarUidOf(booking),
      calendarSequence: sequence,
      _id: booking._id,
      counselorId: booking.counselorId,
      clientId: booking.clientId,
      startsAt: booking.startsAt,
      endsAt: booking.endsAt,
      bookedAt: booking.createdAt ?? null,
      cancelledAt: this.options.now(),
      ...change,
    };
    let record = cancelledRecord(copy);
    try {
      await this.models.cancelledAppointments.create(copy);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // An earlier attempt made the copy and stopped before the delete: that copy stands.
      const earlier = await this.models.cancelledAppointments.findById(booking._id).lean();
      if (earlier) record = cancelledRecord(earlier);
    }
    await this.db.appointments.deleteOne({ _id: booking._id });
    // After the booking is gone: a crash in between leaves orphan seats, reclaimed later, never a booking without one.
    // Every cancellation here is timely (an ASN's before the cut-off, a counselor's not the ASN's doing): the allowance seat goes back too.
    await this.#releaseSeats(booking._id);
    return record;
  }

  async #view(record: BookingRecord, user: CurrentUser): Promise<BookingView> {
    const [view] = await toBookingViews(this.#names, [record], this.cutoffMs, [user]);
    if (!view) throw new AppError('internal', 'The booking could not be shown.');
    return view;
  }
}
