import {
  MAX_REFERRAL_DECISIONS,
  type AcceptReferralBody,
  type CreateReferralBody,
  type CurrentUser,
  type ReferralAnswer,
  type ReferralAsnView,
  type ReferralStaffView,
} from '@care/shared';
import { isValidObjectId, Types, type Model } from 'mongoose';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import type { HeldSessions } from '../reporting/held-sessions.js';
import { isDuplicateKey } from '../scheduling/booking-errors.js';
import { requireRole } from '../scheduling/scheduling-access.js';
import type { Referral, ReferralDecision } from './referral-models.js';
import type { ReferralInvitation } from './referral-invitation.js';

/** Staff lists show the latest referrals, this many at most. */
const MAX_LISTED = 200;

type ReferralDoc = Referral & { _id: Types.ObjectId };
type DecisionDoc = ReferralDecision & { _id: Types.ObjectId };
type Decision = Pick<ReferralDecision, 'answer' | 'reportAttendance'>;

/**
 * Referral by management, with consent (issue 13 §5). Staff record a
 * referral by address; if that address is an ASN's account, the person gets
 * a neutral invitation. Whatever the address, staff get the same answer: a
 * referral "invited" — never whether an account exists.
 *
 * The ASN decides: take it up or not and, separately, whether "attended:
 * yes/no" may be reported. Each decision is an inserted, numbered claim
 * (see referral-models.ts); the latest is in force. Staff see only what the
 * latest allows: a decline shows as "invited" (as silence does), a
 * withdrawal as "withdrawn" with nothing more, and attendance only while
 * its consent stands. Withdrawal is final: nothing flows after it.
 */
export class Referrals {
  constructor(
    private readonly db: Database,
    private readonly referrals: Model<Referral>,
    private readonly decisions: Model<ReferralDecision>,
    private readonly held: HeldSessions,
    private readonly invitation: ReferralInvitation,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  async create(user: CurrentUser, body: CreateReferralBody): Promise<ReferralStaffView> {
    requireStaff(user);
    // The address is matched as a plain string (normalised by the shared Email schema), never a pattern.
    const account = await this.db.users.findOne({ email: String(body.email), role: 'asn', active: true }).select({ _id: 1, email: 1 }).lean();
    const doc = {
      _id: new Types.ObjectId(),
      email: String(body.email),
      asnId: account?._id ?? null,
      reason: body.reason,
      referringUnit: String(body.referringUnit),
      referredBy: new Types.ObjectId(user.id),
      referredAt: this.now(),
    };
    await this.referrals.create(doc);
    // Sent without waiting, so the answer takes as long whether there is an account or not.
    if (account) this.invitation.send({ userId: account._id.toString(), address: account.email }, doc._id.toString());
    // Audit by opaque ids; whether an account was found is not logged either (the log is read by staff too).
    this.log.info({ by: user.id, referralId: doc._id.toString() }, 'referral recorded');
    return staffView(doc, [], null);
  }

  async listForStaff(user: CurrentUser): Promise<ReferralStaffView[]> {
    requireStaff(user);
    const docs = await this.referrals.find({}).sort({ referredAt: -1 }).limit(MAX_LISTED).lean<ReferralDoc[]>();
    const decisions = await this.#decisionsOf(docs.map((d) => d._id));
    // Attendance is looked up only for referrals whose person allows it now.
    const consenting = docs.filter((d) => d.asnId && reportsAttendance(decisions.get(d._id.toString()) ?? []));
    const attended = await this.#attended(consenting, decisions);
    return docs.map((doc) => staffView(doc, decisions.get(doc._id.toString()) ?? [], attended.get(doc._id.toString()) ?? null));
  }

  async listForAsn(user: CurrentUser): Promise<ReferralAsnView[]> {
    requireRole(user, ['asn'], 'see referrals made to you');
    const docs = await this.referrals.find({ asnId: user.id }).sort({ referredAt: -1 }).limit(MAX_LISTED).lean<ReferralDoc[]>();
    const decisions = await this.#decisionsOf(docs.map((d) => d._id));
    return docs.map((doc) => asnView(doc, decisions.get(doc._id.toString()) ?? []));
  }

  accept(user: CurrentUser, referralId: string, { reportAttendance }: AcceptReferralBody): Promise<ReferralAsnView> {
    return this.#decide(user, referralId, (current) => {
      if (current === 'accepted' || current === 'withdrawn') return null;
      return { answer: 'accepted', reportAttendance };
    });
  }

  decline(user: CurrentUser, referralId: string): Promise<ReferralAsnView> {
    return this.#decide(user, referralId, (current) => (current === 'none' ? { answer: 'declined', reportAttendance: false } : null));
  }

  /** Withdraws the take-up itself: final, and attendance is no longer reported. */
  withdraw(user: CurrentUser, referralId: string): Promise<ReferralAsnView> {
    return this.#decide(user, referralId, (current) => (current === 'accepted' ? { answer: 'withdrawn', reportAttendance: false } : null));
  }

  /** Gives or withdraws only the attendance consent of a referral taken up. */
  attendanceConsent(user: CurrentUser, referralId: string, consent: boolean): Promise<ReferralAsnView> {
    return this.#decide(user, referralId, (current) => (current === 'accepted' ? { answer: 'accepted', reportAttendance: consent } : null));
  }

  /**
   * Reads the decisions so far, asks `next` for the one to add (null: not
   * allowed from here) and inserts it as the next number. Another decision
   * inserted in between takes that number: read again and decide afresh.
   */
  async #decide(user: CurrentUser, referralId: string, next: (current: ReferralAnswer) => Decision | null): Promise<ReferralAsnView> {
    requireRole(user, ['asn'], 'answer a referral');
    const referral = await this.#own(user, referralId);
    for (;;) {
      const so = await this.decisions.find({ referralId: referral._id }).sort({ seq: 1 }).lean<DecisionDoc[]>();
      const current: ReferralAnswer = so.at(-1)?.answer ?? 'none';
      const decision = next(current);
      if (!decision) throw new AppError('conflict', refusal(current));
      if (so.length >= MAX_REFERRAL_DECISIONS) throw new AppError('conflict', 'This referral has had as many changes as it can hold.');
      try {
        await this.decisions.create({ referralId: referral._id, seq: so.length + 1, ...decision, at: this.now() });
        break;
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
      }
    }
    this.log.info({ referralId: referral._id.toString() }, 'referral decision recorded');
    const decisions = await this.#decisionsOf([referral._id]);
    return asnView(referral, decisions.get(referral._id.toString()) ?? []);
  }

  /** A referral to this ASN; anyone else's is "not found", revealing nothing. */
  async #own(user: CurrentUser, referralId: string): Promise<ReferralDoc> {
    const referral = isValidObjectId(referralId) ? await this.referrals.findById(referralId).lean<ReferralDoc>() : null;
    if (!referral || referral.asnId?.toString() !== user.id) throw new AppError('not_found', 'No such referral.');
    return referral;
  }

  async #decisionsOf(ids: Types.ObjectId[]): Promise<Map<string, DecisionDoc[]>> {
    const byReferral = new Map<string, DecisionDoc[]>();
    if (ids.length === 0) return byReferral;
    const all = await this.decisions.find({ referralId: { $in: ids } }).sort({ seq: 1 }).lean<DecisionDoc[]>();
    for (const decision of all) {
      const list = byReferral.get(decision.referralId.toString()) ?? [];
      list.push(decision);
      byReferral.set(decision.referralId.toString(), list);
    }
    return byReferral;
  }

  /** Whether each person held a session since they first took the referral up (only of those who allow it to be told). */
  async #attended(docs: ReferralDoc[], decisions: Map<string, DecisionDoc[]>): Promise<Map<string, boolean>> {
    const result = new Map<string, boolean>();
    if (docs.length === 0) return result;
    const now = this.now();
    const since = (doc: ReferralDoc) => firstAcceptance(decisions.get(doc._id.toString()) ?? []) ?? now;
    const earliest = new Date(Math.min(...docs.map((d) => since(d).getTime())));
    const sessions = await this.held.between(earliest, now, now, docs.map((d) => d.asnId as Types.ObjectId));
    for (const doc of docs) {
      const from = since(doc).getTime();
      result.set(doc._id.toString(), sessions.some((s) => s.clientId.equals(doc.asnId as Types.ObjectId) && s.startsAt.getTime() >= from));
    }
    return result;
  }
}

/** Programme staff only; a counselor has no part in referrals (an ASN answers their own). */
function requireStaff(user: CurrentUser): void {
  if (user.role !== 'admin') throw new AppError('forbidden', 'Only programme staff can record and follow referrals.');
}

function reportsAttendance(decisions: readonly DecisionDoc[]): boolean {
  const latest = decisions.at(-1);
  return latest?.answer === 'accepted' && latest.reportAttendance;
}

/** When the referral was first taken up: attendance counts sessions from then on. */
export function firstAcceptance(decisions: ReadonlyArray<Pick<ReferralDecision, 'answer' | 'at'>>): Date | null {
  return decisions.find((d) => d.answer === 'accepted')?.at ?? null;
}

function staffView(doc: ReferralDoc, decisions: readonly DecisionDoc[], attended: boolean | null): ReferralStaffView {
  const latest = decisions.at(-1)?.answer;
  return {
    id: doc._id.toString(),
    email: doc.email,
    reason: doc.reason,
    referringUnit: doc.referringUnit,
    referredAt: doc.referredAt.toISOString(),
    // A decline is not told: it reads as the invitation still standing.
    state: latest === 'accepted' ? 'accepted' : latest === 'withdrawn' ? 'withdrawn' : 'invited',
    attended: reportsAttendance(decisions) ? attended : null,
  };
}

function asnView(doc: ReferralDoc, decisions: readonly DecisionDoc[]): ReferralAsnView {
  const latest = decisions.at(-1);
  return {
    id: doc._id.toString(),
    reason: doc.reason,
    referringUnit: doc.referringUnit,
    referredAt: doc.referredAt.toISOString(),
    answer: latest?.answer ?? 'none',
    reportAttendance: latest?.answer === 'accepted' && latest.reportAttendance,
    history: decisions.map((d) => ({ answer: d.answer, reportAttendance: d.reportAttendance, at: d.at.toISOString() })),
  };
}

function refusal(current: ReferralAnswer): string {
  switch (current) {
    case 'none':
      return 'This referral has not been taken up yet.';
    case 'accepted':
      return 'You have already taken up this referral.';
    case 'declined':
      return 'You declined this referral; you can still take it up.';
    case 'withdrawn':
      return 'You withdrew from this referral; nothing more is recorded or told.';
    default: {
      const unknown: never = current;
      return unknown;
    }
  }
}
