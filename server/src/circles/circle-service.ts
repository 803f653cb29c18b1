import { randomUUID } from 'node:crypto';
import {
  DEFAULT_TIME_ZONE,
  isValidTimeZone,
  weeklyStarts,
  type CircleChanged,
  type CircleCounts,
  type CircleMembersView,
  type CircleMembership,
  type CircleView,
  type CreateCircleInput,
  type CurrentUser,
  type EnrolResult,
  type FacilitatedCircleView,
  type LeaveResult,
} from '@care/shared';
import { isValidObjectId, Types } from 'mongoose';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import { requireRole } from '../scheduling/scheduling-access.js';
import type { CircleLock } from './circle-lock.js';
import { seatPseudonym, type CircleModels } from './circle-models.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** The first meeting may be at most this far ahead. */
const HORIZON_DAYS = 366;
/** At most this many circles in one list. */
const MAX_LISTED = 200;
/** The longest meeting (the schema's maximum): a meeting that started this long ago has ended. */
const LONGEST_MEETING_MS = 180 * MINUTE;

export type CircleChange = CircleChanged['change'];

/**
 * Who gained or lost a place in a circle's meetings, with the seat that
 * names the seating: what calendar invitations are sent from. A seat is
 * `seated` by an enrolment or a promotion from the line.
 */
export type CircleCalendarChange =
  | { change: 'opened'; circleId: string; facilitatorId: string }
  | { change: 'seated'; circleId: string; userId: string; seatId: string }
  | { change: 'unseated'; circleId: string; userId: string; seatId: string }
  | { change: 'cancelled'; circleId: string; facilitatorId: string; seats: Array<{ userId: string; seatId: string }> };

export interface CircleOptions {
  now: () => Date;
  /**
   * Told whom a change concerns, for live pages and the in-app notice to a
   * person promoted from the waitlist. FerretDB has no change streams, so the
   * node that made the change pushes it (over Socket.IO with Redis).
   */
  onChange?: (change: { userIds: string[]; circleId: string; change: CircleChange }) => void;
  /** Told of every seat given or taken back, for calendar invitations (sent in the background). */
  onCalendarChange?: (change: CircleCalendarChange) => void;
}

/** A circle as the service reads it. */
interface CircleRecord {
  _id: Types.ObjectId;
  facilitatorId: Types.ObjectId;
  topic: string;
  timeZone: string;
  recurrence: 'once' | 'weekly';
  durationMinutes: number;
  capacity: number;
  pseudonymous: boolean;
  status: 'active' | 'cancelled';
}

/**
 * Group support circles, the scheduling side: creating them with their
 * meetings, enrolment with a waitlist, leaving, cancelling, and who sees what.
 *
 * The guarantees and where they live:
 * - never more members than seats: a seat is a claim document, and the unique
 *   index {circleId, seatNo} with seat numbers 1..capacity refuses an extra
 *   one whatever runs at once (FerretDB's conditional updates are not atomic,
 *   so no counter is trusted);
 * - one seat per person: the unique index {circleId, userId} on seats, and
 *   one place in line: the same on the waitlist;
 * - a fair order (the last seat, the line, who a freed seat goes to): each
 *   enrol, leave and cancel of a circle runs alone under a short Redis lock,
 *   and the line is served by arrival (createdAt, then _id);
 * - no member ↔ circle link outlives the circle: once it has ended,
 *   CircleRetirement keeps the counts and deletes seats, line and claims; and
 *   logs name the circle, never the person in it (a log line with both would
 *   be such a link, kept for as long as the logs are);
 * - nothing half-written: a refused request writes nothing; a circle whose
 *   meetings could not all be inserted is removed again. A promotion is two
 *   writes (the seat, then the line entry removed); stopped in between, the
 *   person holds the seat and a stale line entry that the next change of the
 *   circle clears.
 */
export class CircleService {
  constructor(
    private readonly db: Database,
    private readonly models: CircleModels,
    private readonly lock: CircleLock,
    private readonly log: Logger,
    private readonly options: CircleOptions,
  ) {}

  /** A counselor creates a circle and all its meetings, each with its own room id. */
  async create(user: CurrentUser, body: CreateCircleInput): Promise<FacilitatedCircleView> {
    requireRole(user, ['counselor'], 'create a circle');
    const now = this.options.now();
    const first = new Date(body.firstStartsAt);
    if (first.getTime() <= now.getTime()) {
      throw new AppError('too_soon', 'The first meeting must be in the future.', [{ path: 'firstStartsAt', message: 'is in the past' }]);
    }
    if (first.getTime() > now.getTime() + HORIZON_DAYS * DAY) {
      throw new AppError('beyond_horizon', 'The first meeting can be at most a year ahead.', [{ path: 'firstStartsAt', message: 'is more than a year ahead' }]);
    }
    const timeZone = body.timeZone ?? (isValidTimeZone(user.timeZone) ? user.timeZone : DEFAULT_TIME_ZONE);
    const starts = weeklyStarts(first, timeZone, body.recurrence === 'weekly' ? body.occurrences : 1);
    const lastStart = starts.at(-1) ?? first;
    const circle = await this.models.circles.create({
      facilitatorId: new Types.ObjectId(user.id),
      topic: body.topic,
      timeZone,
      recurrence: body.recurrence,
      durationMinutes: body.durationMinutes,
      capacity: body.capacity,
      pseudonymous: body.pseudonymous,
      status: 'active',
      endsAt: new Date(lastStart.getTime() + body.durationMinutes * MINUTE),
    });
    try {
      await this.models.meetings.insertMany(
        starts.map((startsAt, seq) => ({
          circleId: circle._id,
          seq,
          startsAt,
          endsAt: new Date(startsAt.getTime() + body.durationMinutes * MINUTE),
          roomId: randomUUID(),
          status: 'scheduled',
        })),
      );
    } catch (error) {
      // A circle without all its meetings is not created at all.
      await this.models.meetings.deleteMany({ circleId: circle._id }).catch(() => undefined);
      await this.models.circles.deleteOne({ _id: circle._id }).catch(() => undefined);
      throw error;
    }
    const circleId = circle._id.toString();
    this.log.info({ circleId, meetings: starts.length }, 'circle created');
    this.#tell([user.id], circleId, 'created');
    this.options.onCalendarChange?.({ change: 'opened', circleId, facilitatorId: user.id });
    return this.#facilitatedView(circle.toObject() as CircleRecord, user);
  }

  /**
   * An ASN asks for a seat. A free seat is theirs unless people are already
   * waiting (they keep their turn); otherwise they join the line. Asking again
   * answers with the seat or place they already have.
   */
  async enrol(user: CurrentUser, circleId: string): Promise<EnrolResult> {
    requireRole(user, ['asn'], 'join a circle');
    const id = this.#objectId(circleId);
    return this.lock.hold(circleId, async () => {
      const circle = await this.#circle(id);
      const open = await this.#isOpen(circle);
      // People already waiting get free seats first, this person too if they are one of them.
      if (open) await this.#fillFreeSeats(circle);
      const existing = await this.#membership(circle, user.id);
      if (existing) return existing;
      if (!open) {
        throw new AppError('circle_closed', circle.status === 'cancelled' ? 'This circle has been cancelled.' : 'This circle has no meetings left to join.');
      }
      const result = await this.#claimOrQueue(circle, user.id);
      this.log.info({ circleId, status: result.status }, 'circle enrolment');
      this.#tell([user.id, circle.facilitatorId.toString()], circleId, result.status === 'enrolled' ? 'enrolled' : 'waitlisted');
      return result;
    });
  }

  /** An ASN gives up their seat (which goes to the first in line) or their place in line. */
  async leave(user: CurrentUser, circleId: string): Promise<LeaveResult> {
    requireRole(user, ['asn'], 'leave a circle');
    const id = this.#objectId(circleId);
    return this.lock.hold(circleId, async () => {
      const circle = await this.#circle(id);
      const who = new Types.ObjectId(user.id);
      const seat = await this.models.seats.findOne({ circleId: id, userId: who }).lean();
      let left: LeaveResult['left'] = 'nothing';
      if (seat && (await this.models.seats.deleteOne({ _id: seat._id })).deletedCount > 0) {
        left = 'seat';
        this.options.onCalendarChange?.({ change: 'unseated', circleId, userId: user.id, seatId: seat._id.toString() });
        // A stale line entry of theirs (an interrupted promotion) goes too.
        await this.models.waitlist.deleteOne({ circleId: id, userId: who });
        if (await this.#isOpen(circle)) await this.#promoteInto(circle, seat.seatNo);
      } else if ((await this.models.waitlist.deleteOne({ circleId: id, userId: who })).deletedCount > 0) {
        left = 'waitlist';
      }
      if (left !== 'nothing') {
        this.log.info({ circleId, left }, 'circle left');
        this.#tell([user.id, circle.facilitatorId.toString()], circleId, 'left');
      }
      return { left };
    });
  }

  /** The facilitator cancels their circle: every meeting is called off and everyone in it is told. */
  async cancel(user: CurrentUser, circleId: string): Promise<FacilitatedCircleView> {
    requireRole(user, ['counselor'], 'cancel a circle');
    const id = this.#objectId(circleId);
    return this.lock.hold(circleId, async () => {
      const circle = await this.#ownCircle(user, id);
      if (circle.status === 'cancelled') throw new AppError('circle_closed', 'This circle has already been cancelled.');
      // Meetings first: stopped in between, the circle has no meeting left to
      // join (closed to enrolment, rooms refused) and a retry finishes it.
      await this.models.meetings.updateMany({ circleId: id, status: 'scheduled' }, { $set: { status: 'cancelled' } });
      await this.models.circles.updateOne({ _id: id }, { $set: { status: 'cancelled' } });
      const [seated, waiting] = await Promise.all([
        this.models.seats.find({ circleId: id }).select({ userId: 1 }).lean(),
        this.models.waitlist.find({ circleId: id }).select({ userId: 1 }).lean(),
      ]);
      this.log.info({ circleId, members: seated.length, waiting: waiting.length }, 'circle cancelled');
      this.options.onCalendarChange?.({
        change: 'cancelled',
        circleId,
        facilitatorId: user.id,
        seats: seated.map((s) => ({ userId: s.userId.toString(), seatId: s._id.toString() })),
      });
      this.#tell([...seated, ...waiting].map((p) => p.userId.toString()).concat(user.id), circleId, 'cancelled');
      return this.#facilitatedView({ ...circle, status: 'cancelled' }, user);
    });
  }

  /** An ASN: the circles open to join. A counselor: the circles they facilitate, with members. */
  async list(user: CurrentUser): Promise<CircleView[] | FacilitatedCircleView[]> {
    requireRole(user, ['asn', 'counselor'], 'see circles');
    return user.role === 'counselor' ? this.#facilitated(user) : this.#browse(user);
  }

  /** An ASN's own circles: their seat or place in line, and the meetings to come (cancelled ones too, so they know). */
  async mine(user: CurrentUser): Promise<CircleView[]> {
    requireRole(user, ['asn'], 'see their circles');
    const who = new Types.ObjectId(user.id);
    const [seated, waiting] = await Promise.all([
      this.models.seats.find({ userId: who }).select({ circleId: 1 }).limit(MAX_LISTED).lean(),
      this.models.waitlist.find({ userId: who }).select({ circleId: 1 }).limit(MAX_LISTED).lean(),
    ]);
    const circles = await this.#circlesById([...seated, ...waiting].map((x) => x.circleId.toString()));
    const views = await Promise.all(circles.map((c) => this.#view(c, user.id)));
    return byNextMeeting(views.filter((v) => v.meetings.length > 0));
  }

  /** The members of a circle: its facilitator only (the members see counts, an administrator nothing). */
  async members(user: CurrentUser, circleId: string): Promise<CircleMembersView> {
    requireRole(user, ['counselor'], 'see who is in a circle');
    return this.#members(await this.#ownCircle(user, this.#objectId(circleId)));
  }

  /**
   * What an administrator may know live: circles and meetings to come, and
   * how many of those circles are full or have a line — counts of circles,
   * never of people (people are counted in the report, by closed month).
   */
  async counts(user: CurrentUser): Promise<CircleCounts> {
    if (user.role !== 'admin') throw new AppError('forbidden', 'Only administrators see circle counts.');
    const now = this.options.now();
    const upcoming = await this.models.meetings
      .find({ status: 'scheduled', startsAt: { $gt: now } })
      .select({ circleId: 1 })
      .lean();
    const circleIds = [...new Set(upcoming.map((m) => m.circleId.toString()))];
    const circles = await this.#circlesById(circleIds);
    const perCircle = await Promise.all(
      circles
        .filter((c) => c.status === 'active')
        .map(async (circle) => ({
          full: (await this.models.seats.countDocuments({ circleId: circle._id })) >= circle.capacity,
          waiting: (await this.models.waitlist.exists({ circleId: circle._id })) !== null,
        })),
    );
    return {
      activeCircles: perCircle.length,
      upcomingMeetings: upcoming.length,
      fullCircles: perCircle.filter((c) => c.full).length,
      circlesWithWaitlist: perCircle.filter((c) => c.waiting).length,
    };
  }

  // --- seats and the line -------------------------------------------------

  /**
   * A seat if one is free and nobody waits, else a place in line. Seat
   * numbers are tried lowest first; a number someone else claimed in between
   * is refused by {circleId, seatNo} and the next one is tried.
   */
  async #claimOrQueue(circle: CircleRecord, userId: string): Promise<CircleMembership> {
    const circleId = circle._id;
    const who = new Types.ObjectId(userId);
    if (!(await this.models.waitlist.exists({ circleId }))) {
      for (const seatNo of await this.#freeSeats(circle)) {
        try {
          const seat = await this.models.seats.create({ circleId, seatNo, userId: who });
          this.options.onCalendarChange?.({ change: 'seated', circleId: circleId.toString(), userId, seatId: seat._id.toString() });
          return this.#enrolled(circle, seatNo);
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          // FerretDB does not name the index: is it this person's seat (a repeat), or the number?
          const own = await this.models.seats.findOne({ circleId, userId: who }).lean();
          if (own) return this.#enrolled(circle, own.seatNo);
        }
      }
    }
    try {
      await this.models.waitlist.create({ circleId, userId: who });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const membership = await this.#membership(circle, userId);
    if (!membership) throw new AppError('internal', 'The enrolment could not be read back.');
    return membership;
  }

  /** Seats nobody holds, lowest first (the line may be waiting for them after an interrupted change). */
  async #freeSeats(circle: CircleRecord): Promise<number[]> {
    const taken = new Set((await this.models.seats.find({ circleId: circle._id }).select({ seatNo: 1 }).lean()).map((s) => s.seatNo));
    return Array.from({ length: circle.capacity }, (_, i) => i + 1).filter((n) => !taken.has(n));
  }

  /** Gives free seats to the people in line, in order, before anyone new is seated. */
  async #fillFreeSeats(circle: CircleRecord): Promise<void> {
    if (!(await this.models.waitlist.exists({ circleId: circle._id }))) return;
    for (const seatNo of await this.#freeSeats(circle)) {
      if (!(await this.#promoteInto(circle, seatNo))) return;
    }
  }

  /**
   * The first in line gets seat `seatNo`: their seat claim is inserted, then
   * their line entry removed. Someone who left the line in between does not
   * keep the seat; the next person gets it. Returns who got it.
   */
  async #promoteInto(circle: CircleRecord, seatNo: number): Promise<string | undefined> {
    const circleId = circle._id;
    for (;;) {
      const next = await this.models.waitlist.findOne({ circleId }).sort({ createdAt: 1, _id: 1 }).lean();
      if (!next) return undefined;
      let seatId: string;
      try {
        seatId = (await this.models.seats.create({ circleId, seatNo, userId: next.userId }))._id.toString();
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        if (await this.models.seats.exists({ circleId, userId: next.userId })) {
          // Seated already (an interrupted promotion): the line entry is stale.
          await this.models.waitlist.deleteOne({ _id: next._id });
          continue;
        }
        return undefined; // The seat itself was claimed meanwhile.
      }
      if ((await this.models.waitlist.deleteOne({ _id: next._id })).deletedCount === 0) {
        await this.models.seats.deleteOne({ circleId, seatNo, userId: next.userId });
        continue;
      }
      const userId = next.userId.toString();
      this.log.info({ circleId: circleId.toString() }, 'promoted from the circle waitlist');
      this.#tell([userId], circleId.toString(), 'promoted');
      this.options.onCalendarChange?.({ change: 'seated', circleId: circleId.toString(), userId, seatId });
      return userId;
    }
  }

  async #membership(circle: CircleRecord, userId: string): Promise<CircleMembership | null> {
    const who = new Types.ObjectId(userId);
    const seat = await this.models.seats.findOne({ circleId: circle._id, userId: who }).select({ seatNo: 1 }).lean();
    if (seat) return this.#enrolled(circle, seat.seatNo);
    const line = await this.models.waitlist.find({ circleId: circle._id }).sort({ createdAt: 1, _id: 1 }).select({ userId: 1 }).lean();
    const index = line.findIndex((entry) => entry.userId.equals(who));
    return index < 0 ? null : { status: 'waitlisted', position: index + 1 };
  }

  #enrolled(circle: CircleRecord, seatNo: number): CircleMembership {
    return { status: 'enrolled', seatNo, pseudonym: circle.pseudonymous ? seatPseudonym(seatNo) : null };
  }

  // --- finding circles ----------------------------------------------------

  /** A malformed id is just an id that names nothing. */
  #objectId(circleId: string): Types.ObjectId {
    if (!isValidObjectId(circleId) || !/^[a-f0-9]{24}$/i.test(circleId)) throw new AppError('not_found', 'No such circle.');
    return new Types.ObjectId(circleId);
  }

  async #circle(id: Types.ObjectId): Promise<CircleRecord> {
    const circle = await this.models.circles.findById(id).lean<CircleRecord>();
    if (!circle) throw new AppError('not_found', 'No such circle.');
    return circle;
  }

  /** The counselor's own circle; another's is not found, revealing nothing. */
  async #ownCircle(user: CurrentUser, id: Types.ObjectId): Promise<CircleRecord> {
    const circle = await this.#circle(id);
    if (circle.facilitatorId.toString() !== user.id) throw new AppError('not_found', 'No such circle.');
    return circle;
  }

  async #circlesById(ids: string[]): Promise<CircleRecord[]> {
    // One lookup by _id each: FerretDB v1 answers `$in` by reading the whole collection.
    const found = await Promise.all([...new Set(ids)].map((id) => this.models.circles.findById(id).lean<CircleRecord>()));
    return found.filter((c): c is CircleRecord => c !== null);
  }

  async #isOpen(circle: CircleRecord): Promise<boolean> {
    if (circle.status !== 'active') return false;
    const now = this.options.now();
    const recent = await this.models.meetings
      .find({ circleId: circle._id, status: 'scheduled', startsAt: { $gt: new Date(now.getTime() - LONGEST_MEETING_MS) } })
      .select({ endsAt: 1 })
      .lean();
    return recent.some((m) => m.endsAt.getTime() > now.getTime());
  }

  async #browse(user: CurrentUser): Promise<CircleView[]> {
    const now = this.options.now();
    // startsAt is indexed, endsAt is not: take every meeting that may not have ended, then check.
    const meetings = await this.models.meetings
      .find({ status: 'scheduled', startsAt: { $gt: new Date(now.getTime() - LONGEST_MEETING_MS) } })
      .select({ circleId: 1, endsAt: 1 })
      .lean();
    const ids = meetings.filter((m) => m.endsAt.getTime() > now.getTime()).map((m) => m.circleId.toString());
    const circles = (await this.#circlesById(ids)).filter((c) => c.status === 'active');
    const views = await Promise.all(circles.map((c) => this.#view(c, user.id)));
    return byNextMeeting(views).slice(0, MAX_LISTED);
  }

  async #facilitated(user: CurrentUser): Promise<FacilitatedCircleView[]> {
    const circles = await this.models.circles
      .find({ facilitatorId: new Types.ObjectId(user.id) })
      .sort({ createdAt: -1 })
      .limit(MAX_LISTED)
      .lean<CircleRecord[]>();
    const views = await Promise.all(circles.map((c) => this.#facilitatedView(c, user)));
    return byNextMeeting(views.filter((v) => v.meetings.length > 0));
  }

  // --- views --------------------------------------------------------------

  async #view(circle: CircleRecord, viewerId: string | null, facilitatorName?: string): Promise<CircleView> {
    const now = this.options.now();
    const circleId = circle._id;
    const [meetings, meetingCount, seatsTaken, waitlistLength, mine, facilitator] = await Promise.all([
      this.models.meetings.find({ circleId, endsAt: { $gt: now } }).sort({ seq: 1 }).lean(),
      this.models.meetings.countDocuments({ circleId }),
      this.models.seats.countDocuments({ circleId }),
      this.models.waitlist.countDocuments({ circleId }),
      viewerId ? this.#membership(circle, viewerId) : Promise.resolve(null),
      facilitatorName ?? this.db.users.findById(circle.facilitatorId).select({ displayName: 1 }).lean().then((u) => u?.displayName ?? '—'),
    ]);
    return {
      id: circleId.toString(),
      topic: circle.topic,
      facilitator: { id: circle.facilitatorId.toString(), displayName: facilitator },
      timeZone: circle.timeZone,
      recurrence: circle.recurrence,
      durationMinutes: circle.durationMinutes,
      capacity: circle.capacity,
      pseudonymous: circle.pseudonymous,
      status: circle.status,
      seatsTaken,
      seatsLeft: Math.max(0, circle.capacity - seatsTaken),
      waitlistLength,
      meetings: meetings.map((m) => ({
        id: m._id.toString(),
        seq: m.seq,
        startsAt: m.startsAt.toISOString(),
        endsAt: m.endsAt.toISOString(),
        status: m.status,
      })),
      meetingCount,
      mine,
    };
  }

  async #facilitatedView(circle: CircleRecord, user: CurrentUser): Promise<FacilitatedCircleView> {
    const [view, members] = await Promise.all([this.#view(circle, null, user.displayName), this.#members(circle)]);
    return { ...view, ...members };
  }

  async #members(circle: CircleRecord): Promise<CircleMembersView> {
    const [seats, waitlistCount] = await Promise.all([
      this.models.seats.find({ circleId: circle._id }).sort({ seatNo: 1 }).lean(),
      this.models.waitlist.countDocuments({ circleId: circle._id }),
    ]);
    const people = await Promise.all(seats.map((s) => this.db.users.findById(s.userId).select({ displayName: 1 }).lean()));
    return {
      members: seats.map((s, i) => ({
        userId: s.userId.toString(),
        displayName: people[i]?.displayName ?? '—',
        seatNo: s.seatNo,
        pseudonym: circle.pseudonymous ? seatPseudonym(s.seatNo) : null,
      })),
      waitlistCount,
    };
  }

  #tell(userIds: string[], circleId: string, change: CircleChange): void {
    this.options.onChange?.({ userIds: [...new Set(userIds)], circleId, change });
  }
}

/** Circles in the order of their next meeting still to come; those with none last. */
function byNextMeeting<V extends CircleView>(views: V[]): V[] {
  const next = (v: CircleView) => (v.meetings[0] ? Date.parse(v.meetings[0].startsAt) : Number.POSITIVE_INFINITY);
  return [...views].sort((a, b) => next(a) - next(b));
}
