import {
  slotEnd,
  slotProblem,
  weeklyStarts,
  type AcceptProposalResult,
  type CurrentUser,
  type ProposalSkip,
  type ProposalView,
  type ProposeFollowUpBody,
  type ProposeFollowUpResult,
} from '@care/shared';
import { isValidObjectId, Types } from 'mongoose';
import type { Logger } from 'pino';
import type { AccountCache } from '../auth/account-cache.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { programmeYearOf } from '../scheduling/allowance-seats.js';
import type { BookingChangeLock } from '../scheduling/booking-change-lock.js';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import { requireRole } from '../scheduling/scheduling-access.js';
import type { Scheduling } from '../scheduling/scheduling.js';
import type { Caseload } from './caseload.js';
import type { FollowUpProposal } from './follow-up-models.js';
import type { ProgrammeModels } from './programme-models.js';

const DAY = 86_400_000;
/** At most this many proposals to one person still ahead (answered or not): a counselor's flood stops here. */
export const MAX_UPCOMING_PROPOSALS = 24;
/** Lists show proposals from this long ago on (an answered or lapsed one a little while after). */
const LISTED_SINCE_MS = 14 * DAY;
const MAX_LISTED = 100;

type ProposalDoc = FollowUpProposal & { _id: Types.ObjectId };

/**
 * Follow-ups between sessions. A counselor proposes one slot, or a weekly
 * series at the same local time for up to 12 weeks, to a person on their
 * caseload; each week is its own proposal, which the person accepts or
 * declines. Accepting is an ordinary booking through BookingService (slot
 * rules, the unique slot indexes, the day seat, the allowance seat): a
 * proposal reserves nothing, so a slot someone else booked in between is
 * `slot_taken`, said plainly. The answer is an inserted claim unique per
 * proposal, so two accepts at once make one booking.
 */
export class FollowUps {
  constructor(
    private readonly db: Database,
    private readonly models: ProgrammeModels,
    private readonly scheduling: Scheduling,
    private readonly caseload: Caseload,
    private readonly accounts: AccountCache,
    /** One proposal request per counselor and person at a time, so the cap on upcoming proposals holds. */
    private readonly turns: BookingChangeLock,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  async propose(user: CurrentUser, body: ProposeFollowUpBody): Promise<ProposeFollowUpResult> {
    requireRole(user, ['counselor'], 'propose a follow-up');
    await this.caseload.assertIncludes(user.id, body.clientId);
    const rules = await this.scheduling.availability.rulesOf(user.id);
    if (!rules) throw new AppError('outside_availability', 'Open some times for booking first: a follow-up is one of your free slots.');
    const starts = weeklyStarts(new Date(body.startsAt), rules.timeZone, body.weeks);
    return this.turns.hold(`${user.id}:${body.clientId}`, async () => {
      const now = this.now();
      const [counselorId, clientId] = [new Types.ObjectId(user.id), new Types.ObjectId(body.clientId)];
      const upcoming = await this.models.proposals.countDocuments({ counselorId, clientId, startsAt: { $gte: now } });
      if (upcoming + starts.length > MAX_UPCOMING_PROPOSALS) {
        throw new AppError('conflict', `At most ${MAX_UPCOMING_PROPOSALS} proposals to one person can be ahead at once; ${upcoming} are.`);
      }
      const first = starts[0] as Date;
      const last = starts[starts.length - 1] as Date;
      const booked = await this.db.appointments
        .find({ counselorId, startsAt: { $gte: new Date(first.getTime() - 2 * DAY), $lt: new Date(last.getTime() + 2 * DAY) } })
        .select({ startsAt: 1, endsAt: 1 })
        .lean();
      const seriesId = new Types.ObjectId();
      const proposals: ProposalDoc[] = [];
      const skipped: ProposeFollowUpResult['skipped'] = [];
      for (const [i, startsAt] of starts.entries()) {
        const problem = slotProblem(rules, booked, startsAt, now);
        if (problem) {
          skipped.push({ startsAt: startsAt.toISOString(), reason: problem === 'taken' ? 'slot_taken' : problem });
          continue;
        }
        const doc = { _id: new Types.ObjectId(), counselorId, clientId, startsAt, endsAt: slotEnd(rules, startsAt), seriesId, week: i + 1, weeks: starts.length, proposedAt: now };
        try {
          await this.models.proposals.create(doc);
          proposals.push(doc);
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
          skipped.push({ startsAt: startsAt.toISOString(), reason: 'already_proposed' satisfies ProposalSkip });
        }
      }
      this.log.info({ seriesId: seriesId.toString(), proposed: proposals.length, skipped: skipped.length }, 'follow-up proposed');
      return { proposals: await this.#views(proposals), skipped };
    });
  }

  /** One's own proposals from a fortnight ago on: an ASN those made to them, a counselor those they made. */
  async list(user: CurrentUser): Promise<ProposalView[]> {
    requireRole(user, ['asn', 'counselor'], 'see follow-up proposals');
    const side = user.role === 'counselor' ? 'counselorId' : 'clientId';
    const since = new Date(this.now().getTime() - LISTED_SINCE_MS);
    const docs = await this.models.proposals
      .find({ [side]: user.id, startsAt: { $gte: since } })
      .sort({ startsAt: 1 })
      .limit(MAX_LISTED)
      .lean<ProposalDoc[]>();
    return this.#views(docs);
  }

  async accept(user: CurrentUser, proposalId: string): Promise<AcceptProposalResult> {
    requireRole(user, ['asn'], 'accept a follow-up');
    const proposal = await this.#own(user, proposalId);
    const appointmentId = new Types.ObjectId();
    await this.#answer(proposal, 'accepted', appointmentId);
    try {
      await this.scheduling.bookings.book(user, { counselorId: proposal.counselorId.toString(), startsAt: proposal.startsAt.toISOString() }, appointmentId);
    } catch (error) {
      // Refused: no booking, so no answer either; the proposal is open as before (and says why it cannot be taken).
      await this.models.answers.deleteOne({ proposalId: proposal._id, appointmentId });
      if (error instanceof AppError && error.code === 'slot_taken') {
        throw new AppError('slot_taken', 'That time was booked by someone else after it was proposed. Please ask your counselor for another, or choose a free time.');
      }
      throw error;
    }
    this.log.info({ proposalId: proposal._id.toString(), appointmentId: appointmentId.toString() }, 'follow-up accepted');
    const [view] = await this.#views([proposal]);
    return { proposal: view as ProposalView, allowance: await this.scheduling.allowance.view(user.id, programmeYearOf(proposal.startsAt)) };
  }

  async decline(user: CurrentUser, proposalId: string): Promise<ProposalView> {
    requireRole(user, ['asn'], 'decline a follow-up');
    const proposal = await this.#own(user, proposalId);
    await this.#answer(proposal, 'declined', null);
    this.log.info({ proposalId: proposal._id.toString() }, 'follow-up declined');
    const [view] = await this.#views([proposal]);
    return view as ProposalView;
  }

  /** The claim of the one answer: a second (another tab, a double tap, accept after decline) is refused. */
  async #answer(proposal: ProposalDoc, answer: 'accepted' | 'declined', appointmentId: Types.ObjectId | null): Promise<void> {
    if (proposal.startsAt.getTime() <= this.now().getTime()) throw new AppError('past_cutoff', 'This proposed time has passed.');
    try {
      await this.models.answers.create({ proposalId: proposal._id, clientId: proposal.clientId, answer, appointmentId, answeredAt: this.now() });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      throw new AppError('conflict', 'This proposal has already been answered.');
    }
  }

  /** A proposal made to this ASN; anyone else's is "not found", revealing nothing. */
  async #own(user: CurrentUser, proposalId: string): Promise<ProposalDoc> {
    const proposal = isValidObjectId(proposalId) ? await this.models.proposals.findById(proposalId).lean<ProposalDoc>() : null;
    if (!proposal || proposal.clientId.toString() !== user.id) throw new AppError('not_found', 'No such proposal.');
    return proposal;
  }

  async #views(docs: ProposalDoc[]): Promise<ProposalView[]> {
    if (docs.length === 0) return [];
    const now = this.now().getTime();
    const answers = await this.models.answers.find({ proposalId: { $in: docs.map((d) => d._id) } }).lean();
    const answerOf = new Map(answers.map((a) => [a.proposalId.toString(), a]));
    const person = async (id: Types.ObjectId) => ({ id: id.toString(), displayName: (await this.accounts.get(id.toString()))?.displayName ?? '—' });
    return Promise.all(
      docs.map(async (doc): Promise<ProposalView> => {
        const answer = answerOf.get(doc._id.toString());
        return {
          id: doc._id.toString(),
          seriesId: doc.seriesId.toString(),
          week: doc.week,
          weeks: doc.weeks,
          startsAt: doc.startsAt.toISOString(),
          endsAt: doc.endsAt.toISOString(),
          state: answer ? (answer.answer === 'accepted' ? 'accepted' : 'declined') : doc.startsAt.getTime() <= now ? 'expired' : 'pending',
          bookingId: answer?.appointmentId?.toString() ?? null,
          counselor: await person(doc.counselorId),
          client: await person(doc.clientId),
        };
      }),
    );
  }
}
