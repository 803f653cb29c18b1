import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { calendarDateIn, minutesOfDayIn, type AvailabilityRules } from '@care/shared';
import type { Model, Types } from 'mongoose';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { isDuplicateKey, slotProblemError } from './booking-errors.js';
import type { DaySeat } from './day-seat-model.js';
import { PENDING_RECHECK_MS, PENDING_RECHECKS, unconfirmedSeats } from './seat-confirmation.js';

/** The seat a slot tries first: its place on the day's grid of session + buffer steps, wrapped to 1..maxPerDay. */
export function preferredSeat(startsAt: Date, rules: AvailabilityRules): number {
  const step = rules.sessionMinutes + rules.bufferMinutes;
  return 1 + (Math.floor(minutesOfDayIn(startsAt, rules.timeZone) / step) % rules.maxPerDay);
}


export interface SeatRequest {
  counselorId: Types.ObjectId;
  clientId: Types.ObjectId;
  /** The id the appointment will be inserted with. */
  appointmentId: Types.ObjectId;
  startsAt: Date;
  rules: AvailabilityRules;
}

interface SeatDoc {
  _id: Types.ObjectId;
  seatNo: number;
  localDate: string;
  appointmentId: Types.ObjectId;
  clientId: Types.ObjectId;
  startsAt: Date;
  claimedAt: Date;
}

/**
 * The daily maximum as claim documents (`day_seats`, see day-seat-model.ts).
 * A booking claims a seat of its local day BEFORE its appointment is
 * inserted, and gives it back if that insert is refused; cancelling gives it
 * back after the appointment is gone.
 *
 * Which number: first the slot's own (`preferredSeat`), without reading the
 * day. Two bookings of one day start at least a session and its buffer apart,
 * so they have different slot numbers, and unless the day holds more slots
 * than seats, different seats: bookings of different slots, however many at
 * once, do not collide, and the common booking claims its seat in one
 * insert. When that number is held (a congruent slot, a seat kept by a move
 * within the day), the day is read and a free number picked at random, so
 * that concurrent retries rarely meet; one claimed in between is refused by
 * the unique index and the day is read again.
 */
export class DaySeats {
  constructor(
    private readonly seats: Model<DaySeat>,
    private readonly db: Database,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  localDateOf(startsAt: Date, rules: AvailabilityRules): string {
    return calendarDateIn(startsAt, rules.timeZone);
  }

  /**
   * Claims a seat for the booking, or refuses: `slot_taken` / `already_booked`
   * when another claim holds this very start, `day_full` when every seat
   * 1..maxPerDay is held by a booking.
   */
  async claim(request: SeatRequest): Promise<void> {
    const { counselorId, clientId, appointmentId, startsAt, rules } = request;
    const localDate = this.localDateOf(startsAt, rules);
    let guess: number | undefined = preferredSeat(startsAt, rules);
    let rechecks = 0;
    for (;;) {
      let seatNo = guess;
      guess = undefined;
      if (seatNo === undefined) {
        const held = await this.seats.find({ counselorId, localDate }).lean<SeatDoc[]>();
        // The same start in a claim of its own: the appointments index would refuse it anyway; say so now.
        const sameStart = held.find((s) => s.startsAt.getTime() === startsAt.getTime());
        if (sameStart) {
          throw sameStart.clientId.equals(clientId)
            ? new AppError('already_booked', 'You already have a session at that time.')
            : new AppError('slot_taken', 'That slot has just been taken. Please choose another one.');
        }
        const taken = new Set(held.map((s) => s.seatNo));
        const free = Array.from({ length: rules.maxPerDay }, (_, i) => i + 1).filter((n) => !taken.has(n));
        if (free.length === 0) {
          const { orphans, pending } = await unconfirmedSeats(this.db, held.filter((s) => s.seatNo <= rules.maxPerDay), this.now());
          if (orphans.length > 0) {
            await Promise.all(orphans.map((s) => this.seats.deleteOne({ _id: s._id, appointmentId: s.appointmentId })));
            this.log.warn({ counselorId: counselorId.toString(), seats: orphans.length }, 'orphaned day seats given back');
            continue;
          }
          // Seats whose booking is still being written may yet be given back (a lost race for their slot).
          if (pending.length > 0 && rechecks++ < PENDING_RECHECKS) {
            await sleep(PENDING_RECHECK_MS);
            continue;
          }
          throw slotProblemError('day_full', rules);
        }
        seatNo = free[randomInt(free.length)] as number;
      }
      try {
        await this.seats.create({ counselorId, localDate, seatNo, appointmentId, clientId, startsAt, claimedAt: this.now() });
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // That number, or this start, is held by another claim: read the day to see which.
      }
    }
  }

  /** Gives back the seat of a booking that is gone (or was never inserted). */
  async release(appointmentId: Types.ObjectId): Promise<void> {
    await this.seats.deleteOne({ appointmentId });
  }

  /** The seat a booking holds, if any (bookings made before day seats existed hold none). */
  async heldBy(appointmentId: Types.ObjectId): Promise<{ localDate: string } | null> {
    return this.seats.findOne({ appointmentId }).select({ localDate: 1 }).lean<{ localDate: string }>();
  }

  /**
   * A booking moved within its day keeps its seat: the seat now belongs to
   * the new appointment. Not a capacity decision (no seat is added), so a
   * plain update is enough; the booking change lock keeps two moves of one
   * booking apart.
   */
  async transfer(from: Types.ObjectId, to: { appointmentId: Types.ObjectId; startsAt: Date }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.seats.updateOne({ appointmentId: from }, { $set: { appointmentId: to.appointmentId, startsAt: to.startsAt } });
        return;
      } catch (error) {
        // The new start is still held by the seat of a booking that lost the slot to this move; it is given back at once.
        if (!isDuplicateKey(error) || attempt >= PENDING_RECHECKS) throw error;
        await sleep(PENDING_RECHECK_MS);
      }
    }
  }
}
