import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { calendarDateIn, type AllowanceView } from '@care/shared';
import type { Model, Types } from 'mongoose';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { AllowanceGrant } from './allowance-grant-model.js';
import type { AllowanceSeat } from './allowance-seat-model.js';
import { isDuplicateKey } from './booking-errors.js';
import { PENDING_RECHECK_MS, PENDING_RECHECKS, unconfirmedSeats } from './seat-confirmation.js';

/**
 * The programme year is the calendar year in WIB of the session's start.
 * Calendar: the agency's budget year (tahun anggaran) runs January to
 * December, and the allowance is what it funds. WIB: the report's months are
 * WIB months, so a person's count and the staff figures cut the year at the
 * same instant. The session's start, not the booking's: a January session
 * booked in December is January's.
 */
export const PROGRAMME_TIME_ZONE = 'Asia/Jakarta';
export function programmeYearOf(instant: Date): number {
  return Number(calendarDateIn(instant, PROGRAMME_TIME_ZONE).slice(0, 4));
}

/** Next guesses kept per node: one small entry per person and year. */
const MAX_GUESSES = 20_000;

export interface AllowanceOptions {
  /** Sessions per person per programme year before any grant (ALLOWANCE_SESSIONS_PER_YEAR). */
  perYear: number;
  now: () => Date;
}

export interface AllowanceSeatRequest {
  clientId: Types.ObjectId;
  /** The id the appointment will be inserted with. */
  appointmentId: Types.ObjectId;
  startsAt: Date;
}

interface SeatDoc {
  _id: Types.ObjectId;
  seatNo: number;
  appointmentId: Types.ObjectId;
  claimedAt: Date;
}

/**
 * The session allowance as claim documents (`allowance_seats`, see
 * allowance-seat-model.ts). A booking claims a seat of its programme year
 * BEFORE its day seat and appointment, and gives it back if either is
 * refused; cancelling (an ASN before the cut-off, a counselor any time before
 * the end) gives it back after the appointment is gone. A session held or
 * missed keeps its seat.
 *
 * Which number, without reading on the common path: this node's guess for
 * the person and year — the number after the one it last claimed for them,
 * or 1 — when it lies within the programme's own allowance (grants need a
 * read). A person's first booking of the year, and each next one made on the
 * same node, is then one insert. A refused guess (another node, a seat kept
 * from before a restart) reads the year's seats and grants and picks a free
 * number at random, so that concurrent retries rarely meet; when none is free,
 * orphans (claims of requests that died) are given back and pending claims
 * waited for, as with day seats; then `allowance_used`.
 */
export class AllowanceSeats {
  readonly #guesses = new Map<string, number>();

  constructor(
    private readonly seats: Model<AllowanceSeat>,
    private readonly grants: Model<AllowanceGrant>,
    private readonly db: Database,
    private readonly log: Logger,
    private readonly options: AllowanceOptions,
  ) {}

  get perYear(): number {
    return this.options.perYear;
  }

  async claim({ clientId, appointmentId, startsAt }: AllowanceSeatRequest): Promise<void> {
    const year = programmeYearOf(startsAt);
    const key = `${clientId.toString()}:${year}`;
    const remembered = this.#guesses.get(key) ?? 1;
    let guess: number | undefined = remembered <= this.options.perYear ? remembered : undefined;
    let rechecks = 0;
    for (;;) {
      let seatNo = guess;
      let next: number | undefined;
      guess = undefined;
      if (seatNo === undefined) {
        const [held, total] = await Promise.all([this.seats.find({ clientId, year }).lean<SeatDoc[]>(), this.totalOf(clientId, year)]);
        const taken = new Set(held.map((s) => s.seatNo));
        const free = Array.from({ length: total }, (_, i) => i + 1).filter((n) => !taken.has(n));
        if (free.length === 0) {
          const { orphans, pending } = await unconfirmedSeats(this.db, held, this.options.now());
          if (orphans.length > 0) {
            await Promise.all(orphans.map((s) => this.seats.deleteOne({ _id: s._id, appointmentId: s.appointmentId })));
            this.log.warn({ seats: orphans.length }, 'orphaned allowance seats given back');
            continue;
          }
          // Seats whose booking is still being written may yet be given back (a lost race for their slot).
          if (pending.length > 0 && rechecks++ < PENDING_RECHECKS) {
            await sleep(PENDING_RECHECK_MS);
            continue;
          }
          throw allowanceUsed(total, year);
        }
        seatNo = free[randomInt(free.length)] as number;
        next = free.find((n) => n !== seatNo);
      }
      try {
        await this.seats.create({ clientId, year, seatNo, appointmentId, startsAt, claimedAt: this.options.now() });
        this.#remember(key, next ?? seatNo + 1);
        return;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // That number is held (by another tab, another node): read the year to see what is free.
        this.#guesses.delete(key);
      }
    }
  }

  /** Gives back the seat of a booking that is gone (or was never inserted). */
  async release(appointmentId: Types.ObjectId): Promise<void> {
    await this.seats.deleteOne({ appointmentId });
  }

  /** The programme year of the seat a booking holds, if any (bookings made before allowances existed hold none). */
  async heldBy(appointmentId: Types.ObjectId): Promise<{ year: number } | null> {
    return this.seats.findOne({ appointmentId }).select({ year: 1 }).lean<{ year: number }>();
  }

  /** A booking moved within its programme year keeps its seat: not a capacity decision, so a plain update is enough. */
  async transfer(from: Types.ObjectId, to: { appointmentId: Types.ObjectId; startsAt: Date }): Promise<void> {
    await this.seats.updateOne({ appointmentId: from }, { $set: { appointmentId: to.appointmentId, startsAt: to.startsAt } });
  }

  /** The programme's sessions plus every grant of that year. */
  async totalOf(clientId: Types.ObjectId | string, year: number): Promise<number> {
    return this.options.perYear + (await this.grantedOf(clientId, year));
  }

  async grantedOf(clientId: Types.ObjectId | string, year: number): Promise<number> {
    const grants = await this.grants.find({ clientId, year }).select({ sessions: 1 }).lean();
    return grants.reduce((sum, g) => sum + g.sessions, 0);
  }

  /** One person's allowance for a year, as they (and a counselor who sees them) are shown it. */
  async view(clientId: Types.ObjectId | string, year: number): Promise<AllowanceView> {
    const [granted, used] = await Promise.all([this.grantedOf(clientId, year), this.seats.countDocuments({ clientId, year })]);
    const total = this.options.perYear + granted;
    return { year, perYear: this.options.perYear, granted, total, used, remaining: Math.max(0, total - used) };
  }

  #remember(key: string, next: number): void {
    this.#guesses.delete(key);
    this.#guesses.set(key, next);
    // Oldest first out: a Map iterates in insertion order.
    if (this.#guesses.size > MAX_GUESSES) this.#guesses.delete(this.#guesses.keys().next().value as string);
  }
}

export function allowanceUsed(total: number, year: number): AppError {
  return new AppError(
    'allowance_used',
    `All ${total} sessions of your allowance for ${year} are booked or held. Your counselor can grant more; a cancelled session gives its place back.`,
  );
}
