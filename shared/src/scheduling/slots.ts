import type { AvailabilityRules } from './availability.js';
import { addDays, weekdayOf, type CalendarDate } from './calendar-date.js';
import { minutesOfDay } from './time-of-day.js';
import { calendarDateIn, instantAt } from './time-zones.js';

/**
 * Bookable slots under a counselor's rules. Each weekly range is cut into
 * sessions from its start: session, buffer, session, … while a whole session
 * still fits before the range ends. A slot is free when it is on that grid,
 * far enough ahead (minimum notice), not too far (horizon), clear of every
 * existing booking by the buffer, on a day that is not an exception and has
 * fewer bookings than the daily maximum.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * An existing booking: its start, taking the current session length, or its
 * interval (a booking made before the counselor changed the length keeps its own).
 */
export type Booked = Date | { startsAt: Date; endsAt: Date };

/** Why a start is not a free slot; each maps to its own error for the client. */
export type SlotProblem = 'too_soon' | 'beyond_horizon' | 'outside_availability' | 'taken' | 'day_full';

export interface Slot {
  startsAt: string;
  endsAt: string;
}

/** The earliest and latest start one may book at `now`. */
export function bookingWindow(rules: AvailabilityRules, now: Date): { earliest: Date; latest: Date } {
  return {
    earliest: new Date(now.getTime() + rules.minNoticeHours * HOUR),
    latest: new Date(now.getTime() + rules.horizonDays * DAY),
  };
}

export function slotEnd(rules: AvailabilityRules, startsAt: Date): Date {
  return new Date(startsAt.getTime() + rules.sessionMinutes * MINUTE);
}

/** The session starts the rules offer on a local date, ignoring bookings and the booking window. */
export function gridStarts(rules: AvailabilityRules, date: CalendarDate): Date[] {
  if (rules.exceptions.includes(date)) return [];
  const weekday = weekdayOf(date);
  const step = (rules.sessionMinutes + rules.bufferMinutes) * MINUTE;
  const length = rules.sessionMinutes * MINUTE;
  const starts: Date[] = [];
  for (const range of rules.weekly) {
    if (range.weekday !== weekday) continue;
    // Both ends through the zone: on a daylight-saving day the range is
    // shorter or longer in real time, and the grid follows real time.
    const end = instantAt(date, minutesOfDay(range.end), rules.timeZone).getTime();
    for (let start = instantAt(date, minutesOfDay(range.start), rules.timeZone).getTime(); start + length <= end; start += step) {
      starts.push(new Date(start));
    }
  }
  return starts.sort((a, b) => a.getTime() - b.getTime());
}

/** The rules and existing bookings, prepared once for many questions. */
class Calendar {
  private readonly intervals: Array<{ start: number; end: number }>;
  private readonly perDay = new Map<CalendarDate, number>();

  constructor(
    private readonly rules: AvailabilityRules,
    booked: readonly Booked[],
  ) {
    this.intervals = booked.map((b) =>
      b instanceof Date
        ? { start: b.getTime(), end: b.getTime() + rules.sessionMinutes * MINUTE }
        : { start: b.startsAt.getTime(), end: b.endsAt.getTime() },
    );
    for (const { start } of this.intervals) {
      const day = calendarDateIn(new Date(start), rules.timeZone);
      this.perDay.set(day, (this.perDay.get(day) ?? 0) + 1);
    }
  }

  /** A start already known to be on the grid of `date`: what, if anything, stops it being booked. */
  problemOnGrid(start: number, date: CalendarDate, now: Date): SlotProblem | null {
    const { earliest, latest } = bookingWindow(this.rules, now);
    if (start < earliest.getTime()) return 'too_soon';
    if (start > latest.getTime()) return 'beyond_horizon';
    const buffer = this.rules.bufferMinutes * MINUTE;
    const end = start + this.rules.sessionMinutes * MINUTE;
    if (this.intervals.some((b) => b.start < end + buffer && start < b.end + buffer)) return 'taken';
    if ((this.perDay.get(date) ?? 0) >= this.rules.maxPerDay) return 'day_full';
    return null;
  }

  problem(startsAt: Date, now: Date): SlotProblem | null {
    const start = startsAt.getTime();
    const { earliest, latest } = bookingWindow(this.rules, now);
    // The window first: "too soon" says more about a past slot than "not on the grid".
    if (start < earliest.getTime()) return 'too_soon';
    if (start > latest.getTime()) return 'beyond_horizon';
    const date = calendarDateIn(startsAt, this.rules.timeZone);
    if (!gridStarts(this.rules, date).some((s) => s.getTime() === start)) return 'outside_availability';
    return this.problemOnGrid(start, date, now);
  }

  free(from: Date, to: Date, now: Date, limit = Infinity): Slot[] {
    const { earliest, latest } = bookingWindow(this.rules, now);
    const lo = Math.max(from.getTime(), earliest.getTime());
    const hi = Math.min(to.getTime(), latest.getTime() + 1);
    if (lo >= hi) return [];
    const slots: Slot[] = [];
    const last = calendarDateIn(new Date(hi), this.rules.timeZone);
    for (let date = calendarDateIn(new Date(lo), this.rules.timeZone); date <= last; date = addDays(date, 1)) {
      for (const start of gridStarts(this.rules, date)) {
        const ms = start.getTime();
        if (ms < lo || ms >= hi || this.problemOnGrid(ms, date, now) !== null) continue;
        slots.push({ startsAt: start.toISOString(), endsAt: slotEnd(this.rules, start).toISOString() });
        if (slots.length >= limit) return slots;
      }
    }
    return slots;
  }
}

/**
 * The free slots whose start lies in [from, to), as UTC instants, in order.
 * `now` decides minimum notice and horizon.
 */
export function freeSlotsWithEnds(rules: AvailabilityRules, booked: readonly Booked[], from: Date, to: Date, now: Date): Slot[] {
  return new Calendar(rules, booked).free(from, to, now);
}

/** The free slot starts in [from, to) as UTC ISO strings, in order. */
export function freeSlots(rules: AvailabilityRules, booked: readonly Booked[], from: Date, to: Date, now: Date): string[] {
  return freeSlotsWithEnds(rules, booked, from, to, now).map((slot) => slot.startsAt);
}

/** The first `count` free slots from `now` on (the counselor list shows a few). */
export function nextFreeSlots(rules: AvailabilityRules, booked: readonly Booked[], now: Date, count: number): Slot[] {
  // [from, to) is half open, and the horizon's last instant is bookable too.
  const to = new Date(bookingWindow(rules, now).latest.getTime() + 1);
  return new Calendar(rules, booked).free(now, to, now, count);
}

/**
 * Why `startsAt` cannot be booked at `now`, or null when it is a free slot.
 * The same rules as freeSlots: null here exactly when freeSlots lists it.
 */
export function slotProblem(rules: AvailabilityRules, booked: readonly Booked[], startsAt: Date, now: Date): SlotProblem | null {
  return new Calendar(rules, booked).problem(startsAt, now);
}
