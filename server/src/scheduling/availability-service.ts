import {
  AvailabilityRules,
  calendarDateIn,
  DEFAULT_TIME_ZONE,
  freeSlotsWithEnds,
  isValidTimeZone,
  nextFreeSlots,
  type AvailabilityView,
  type Booked,
  CounselorProfile,
  type CounselorQuery,
  type CounselorSlotsView,
  type CounselorSummary,
  type CurrentUser,
  type InstantRangeQuery,
  type PutAvailabilityBody,
} from '@care/shared';
import { Types } from 'mongoose';
import type { AccountCache, AccountSnapshot } from '../auth/account-cache.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { CacheInvalidations } from '../node-cache/cache-invalidations.js';
import { idKey } from '../node-cache/id-key.js';
import { NodeCache } from '../node-cache/node-cache.js';
import type { Availability } from './availability-model.js';
import { isDuplicateKey } from './booking-errors.js';
import { requireRole } from './scheduling-access.js';
import type { SchedulingModels } from './scheduling-models.js';

const DAY = 86_400_000;
/** How many free slots the counselor list shows each counselor. */
export const NEXT_SLOTS = 3;
/** At most this many counselors in one list (the programme has a few dozen). */
const MAX_COUNSELORS = 200;
/** Counselors' rules kept per node: all of them, many times over. */
const MAX_CACHED_RULES = 2_000;
/** Read again after a minute even without an invalidation (a writer that died between its save and telling the nodes). */
const RULES_MAX_AGE_MS = 60_000;

/** The programme's defaults in a counselor's time zone, before they set anything. */
function defaultRules(timeZone: string): AvailabilityRules {
  return AvailabilityRules.parse({ timeZone: isValidTimeZone(timeZone) ? timeZone : DEFAULT_TIME_ZONE, weekly: [] });
}

function toRules(doc: Availability): AvailabilityRules {
  // Parsed again on the way out: the slot maths then never sees a document
  // that an older version of the code (or a hand edit) got wrong.
  return AvailabilityRules.parse({
    timeZone: doc.timeZone,
    weekly: doc.weekly.map((r) => ({ weekday: r.weekday, start: r.start, end: r.end })),
    exceptions: [...doc.exceptions],
    sessionMinutes: doc.sessionMinutes,
    bufferMinutes: doc.bufferMinutes,
    maxPerDay: doc.maxPerDay,
    minNoticeHours: doc.minNoticeHours,
    horizonDays: doc.horizonDays,
  });
}

function toProfile(doc: Availability | null): CounselorProfile {
  // Parsed on the way out like the rules; documents saved before profiles existed have none.
  return CounselorProfile.parse({ languages: [...(doc?.languages ?? [])], specialities: [...(doc?.specialities ?? [])], gender: doc?.gender ?? null });
}

function toView(counselorId: string, rules: AvailabilityRules, profile: CounselorProfile, updatedAt: Date | null): AvailabilityView {
  return { counselorId, ...rules, ...profile, updatedAt: updatedAt ? updatedAt.toISOString() : null };
}

/**
 * Counselors' availability and the free slots it gives. The rules are kept
 * in this node's memory (one read per counselor, not per booking) and
 * invalidated on every node when their counselor saves new ones.
 */
export class AvailabilityService {
  readonly #rules: NodeCache<AvailabilityRules>;

  constructor(
    private readonly db: Database,
    private readonly models: SchedulingModels,
    private readonly accounts: AccountCache,
    private readonly invalidations: CacheInvalidations,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.#rules = new NodeCache(invalidations, 'rules', { maxEntries: MAX_CACHED_RULES, maxAgeMs: RULES_MAX_AGE_MS });
  }

  /** The counselor's rules; undefined when they have not set any (so nothing can be booked with them). */
  async rulesOf(counselorId: string): Promise<AvailabilityRules | undefined> {
    const key = idKey(counselorId);
    if (!key) return undefined;
    const rules = await this.#rules.get(key, async (id) => {
      const doc = await this.models.availabilities.findOne({ counselorId: id }).lean<Availability>();
      return doc ? toRules(doc) : null;
    });
    return rules ?? undefined;
  }

  /** A counselor who can be booked, from this node's account cache; any other id (an ASN's, a deactivated counselor's) is null. */
  async bookableCounselor(counselorId: string): Promise<AccountSnapshot | null> {
    const account = await this.accounts.get(counselorId);
    return account?.role === 'counselor' && account.active ? account : null;
  }

  async get(user: CurrentUser): Promise<AvailabilityView> {
    requireRole(user, ['counselor'], 'have an availability');
    const doc = await this.models.availabilities.findOne({ counselorId: user.id }).lean<Availability>();
    return doc ? toView(user.id, toRules(doc), toProfile(doc), doc.updatedAt) : toView(user.id, defaultRules(user.timeZone), toProfile(null), null);
  }

  /**
   * Replaces the counselor's availability and profile. Existing bookings
   * stay as they are (a counselor who closes a range cancels its bookings
   * separately).
   */
  async set(user: CurrentUser, body: PutAvailabilityBody): Promise<AvailabilityView> {
    requireRole(user, ['counselor'], 'set an availability');
    const { languages, specialities, gender, ...draft } = body;
    const timeZone = draft.timeZone ?? defaultRules(user.timeZone).timeZone;
    // Days off already past change nothing any more: they are dropped on save, so the list stays short.
    const today = calendarDateIn(this.now(), timeZone);
    const rules = AvailabilityRules.parse({ ...draft, timeZone, exceptions: draft.exceptions.filter((date) => date >= today) });
    const filter = { counselorId: new Types.ObjectId(user.id) };
    const write = () =>
      this.models.availabilities
        .findOneAndUpdate(filter, { $set: { ...rules, languages, specialities, gender } }, { upsert: true, returnDocument: 'after', runValidators: true })
        .lean<Availability>();
    let doc: Availability | null;
    try {
      doc = await write();
    } catch (error) {
      // Two first saves at once: both upserts insert, the unique index keeps
      // one, and the loser's write becomes a plain update of it.
      if (!isDuplicateKey(error)) throw error;
      doc = await write();
    }
    if (!doc) throw new AppError('internal', 'The availability could not be saved. Please try again.');
    // Before the answer: a booking that begins after it is held to these rules, on every node.
    await this.invalidations.publish('rules', [user.id]);
    return toView(user.id, toRules(doc), toProfile(doc), doc.updatedAt);
  }

  /** Free slots of one counselor in [from, to) (defaults: from now to the end of their horizon). */
  async slots(user: CurrentUser, counselorId: string, range: InstantRangeQuery): Promise<CounselorSlotsView> {
    requireRole(user, ['asn', 'counselor'], 'see free slots');
    // A counselor previews their own slots; other counselors' calendars are not theirs to see.
    if (user.role === 'counselor' && counselorId !== user.id) throw new AppError('forbidden', 'Counselors see only their own slots.');
    const counselor = await this.#counselor(counselorId);
    const rules = (await this.rulesOf(counselorId)) ?? defaultRules(counselor.timeZone);
    const now = this.now();
    const from = range.from ? new Date(range.from) : now;
    const to = range.to ? new Date(range.to) : new Date(now.getTime() + rules.horizonDays * DAY + 1);
    // Nothing before now or past the horizon is ever free: read only the bookings that matter.
    const booked = await this.#bookedOf(
      [counselorId],
      new Date(Math.max(from.getTime(), now.getTime())),
      new Date(Math.min(to.getTime(), now.getTime() + rules.horizonDays * DAY + 1)),
    );
    return {
      counselorId,
      timeZone: rules.timeZone,
      sessionMinutes: rules.sessionMinutes,
      slots: freeSlotsWithEnds(rules, booked.get(counselorId) ?? [], from, to, now),
    };
  }

  /**
   * Every counselor with their profile and next free slots, for an ASN
   * choosing one; with a language or speciality, only those offering it.
   * The filter is applied here and forgotten: not logged, not stored.
   */
  async counselors(user: CurrentUser, filter: CounselorQuery = {}): Promise<CounselorSummary[]> {
    requireRole(user, ['asn'], 'browse counselors');
    // A deactivated counselor is not offered to anyone.
    const counselors = await this.db.users
      .find({ role: 'counselor', active: true })
      .select({ displayName: 1, timeZone: 1 })
      .sort({ displayName: 1 })
      .limit(MAX_COUNSELORS)
      .lean();
    const ids = counselors.map((c) => c._id.toString());
    const docs = await this.models.availabilities.find({ counselorId: { $in: ids } }).lean<Availability[]>();
    const rulesById = new Map(docs.map((doc) => [doc.counselorId.toString(), toRules(doc)]));
    const profileById = new Map(docs.map((doc) => [doc.counselorId.toString(), toProfile(doc)]));
    const offers = (profile: CounselorProfile) =>
      (!filter.language || profile.languages.includes(filter.language)) && (!filter.speciality || profile.specialities.includes(filter.speciality));
    const chosen = counselors.filter((c) => offers(profileById.get(c._id.toString()) ?? toProfile(null)));
    const chosenIds = new Set(chosen.map((c) => c._id.toString()));
    for (const id of rulesById.keys()) if (!chosenIds.has(id)) rulesById.delete(id);
    const now = this.now();
    const horizon = Math.max(0, ...[...rulesById.values()].map((r) => r.horizonDays));
    const booked = await this.#bookedOf([...rulesById.keys()], now, new Date(now.getTime() + horizon * DAY + 1));
    return chosen.map((c) => {
      const id = c._id.toString();
      const rules = rulesById.get(id);
      return {
        id,
        displayName: c.displayName,
        timeZone: rules?.timeZone ?? c.timeZone,
        sessionMinutes: (rules ?? defaultRules(c.timeZone)).sessionMinutes,
        ...(profileById.get(id) ?? toProfile(null)),
        nextSlots: rules ? nextFreeSlots(rules, booked.get(id) ?? [], now, NEXT_SLOTS) : [],
      };
    });
  }

  async #counselor(counselorId: string): Promise<{ timeZone: string }> {
    const counselor = await this.bookableCounselor(counselorId);
    // Any other id, an ASN's or a deactivated counselor's included, is just "no such counselor".
    if (!counselor) throw new AppError('not_found', 'No such counselor.');
    return counselor;
  }

  /**
   * Bookings of these counselors that can touch [from, to): their intervals,
   * by counselor. One query per counselor rather than `$in`: FerretDB v1
   * pushes only plain equality down, so `$in` would read every appointment
   * of every counselor (see booking-views.ts).
   */
  async #bookedOf(counselorIds: string[], from: Date, to: Date): Promise<Map<string, Booked[]>> {
    // A day either side: the daily maximum counts the whole local day of each slot.
    const startsAt = { $gte: new Date(from.getTime() - 2 * DAY), $lt: new Date(to.getTime() + 2 * DAY) };
    const lists = await Promise.all(
      counselorIds.map((counselorId) =>
        this.db.appointments.find({ counselorId, startsAt }).select({ startsAt: 1, endsAt: 1 }).lean(),
      ),
    );
    return new Map(counselorIds.map((id, i) => [id, (lists[i] ?? []).map((a): Booked => ({ startsAt: a.startsAt, endsAt: a.endsAt }))]));
  }
}
