import {
  accompanimentBands,
  feedbackChips,
  feedbackRatings,
  NO_UNIT,
  OutcomeChange,
  referralStages,
  type AccompanimentBand,
  type FeedbackMonth,
  type OutcomeMonth,
  type ProgrammeReportView,
  type ReferralFunnelMonth,
  type ReferralStage,
  type ReportFigure,
} from '@care/shared';
import type { Model, Types } from 'mongoose';
import type { Database } from '../db/database.js';
import type { Feedback } from '../programme/feedback-models.js';
import type { Referral, ReferralDecision } from '../programme/referral-models.js';
import type { HeldSessions } from './held-sessions.js';
import { unitSizes } from './report-counts.js';
import { monthOf, monthsFrom, monthStart, nextMonth } from './report-months.js';
import { lastClosedMonthOf } from './report-service.js';
import { suppress, suppressTotal } from './small-counts.js';
import { figuresOf, groupByUnit, publishTable, zeroes } from './suppressed-table.js';

/** Written by the devices' opt-in evaluation (issue 13 §4): {unit, month, change}, no account, no finer time. */
export const EVALUATION_CONTRIBUTIONS = 'evaluation_contributions';

export interface ProgrammeReportSources {
  referrals: Model<Referral>;
  decisions: Model<ReferralDecision>;
  feedback: Model<Feedback>;
  held: HeldSessions;
}

export interface ProgrammeReportOptions {
  minCount: number;
  now: () => Date;
}

type Counts<M extends string> = Map<string, Map<string, Record<M, number>>>;
const outcomeChanges = OutcomeChange.options;

/**
 * The programme's lines of the employer-blind report (issue 13 §9), for one
 * programme year through its last closed month, under the report's rules
 * (report-suppression.ts): months independent and closed, units of fewer
 * than k people merged (sized by the ASN accounts at each month's end),
 * "<k" for 1..k−1, a small column's cells withheld, totals withheld when
 * they would narrow a hidden cell.
 *
 * - Referral funnel by referring unit: each step counted in the month it
 *   happened — referred, first taken up, withdrawn, and attended (the first
 *   session held after taking it up), the last only if the person allowed
 *   attendance to be reported at the end of that month.
 * - Outcome change categories by unit, from the devices' contributions.
 * - Feedback per month: ratings 1..5 and their total, and each chip.
 * - Accompaniment length: people by the sessions they held this year so
 *   far, in bands, all units together.
 */
export class ProgrammeReport {
  constructor(
    private readonly db: Database,
    private readonly sources: ProgrammeReportSources,
    private readonly options: ProgrammeReportOptions,
  ) {}

  async view(year: number): Promise<ProgrammeReportView> {
    const k = this.options.minCount;
    const now = this.options.now();
    const through = lastClosedMonthOf(year, now);
    const accompanimentNone = { people: figuresOf(accompanimentBands, () => 0), total: 0 };
    if (!through) return { year, through, minCount: k, referrals: [], outcomes: [], feedback: [], accompaniment: accompanimentNone };
    const months = monthsFrom(`${year}-01`, through);
    const start = monthStart(months[0] as string);
    const cutoff = monthStart(nextMonth(through));
    const accounts = await this.db.users.find({ role: 'asn' }, { agencyUnit: 1, createdAt: 1 }).lean();
    const sizes = unitSizes(months, accounts);
    const [funnel, outcomes, feedback, accompaniment] = await Promise.all([
      this.#funnel(months, start, cutoff, now),
      this.#outcomes(months),
      this.#feedback(months),
      this.#accompaniment(start, cutoff, now),
    ]);
    return {
      year,
      through,
      minCount: k,
      referrals: months.map((month): ReferralFunnelMonth => byUnitMonth(month, referralStages, funnel.get(month), sizes.get(month), k)),
      outcomes: months.map((month): OutcomeMonth => byUnitMonth(month, outcomeChanges, outcomes.get(month), sizes.get(month), k)),
      feedback,
      accompaniment,
    };
  }

  async #funnel(months: readonly string[], start: Date, cutoff: Date, now: Date): Promise<Counts<ReferralStage>> {
    const counts: Counts<ReferralStage> = new Map();
    const [referrals, decisions] = await Promise.all([
      this.sources.referrals.find({ referredAt: { $lt: cutoff } }).select({ referringUnit: 1, referredAt: 1, asnId: 1 }).lean(),
      this.sources.decisions.find({ at: { $lt: cutoff } }).select({ referralId: 1, seq: 1, answer: 1, reportAttendance: 1, at: 1 }).sort({ referralId: 1, seq: 1 }).lean(),
    ]);
    const decisionsOf = new Map<string, typeof decisions>();
    for (const decision of decisions) {
      const list = decisionsOf.get(String(decision.referralId)) ?? [];
      list.push(decision);
      decisionsOf.set(String(decision.referralId), list);
    }
    const inYear = new Set(months);
    const add = (instant: Date, unit: string, stage: ReferralStage) => {
      const month = monthOf(instant);
      if (!inYear.has(month)) return;
      const byUnit = counts.get(month) ?? new Map<string, Record<ReferralStage, number>>();
      const cell = byUnit.get(unit) ?? zeroes(referralStages);
      cell[stage] += 1;
      byUnit.set(unit, cell);
      counts.set(month, byUnit);
    };
    const acceptedSince = new Map<string, { asnId: Types.ObjectId; at: Date; unit: string; id: string }>();
    for (const referral of referrals) {
      const id = String(referral._id);
      add(referral.referredAt, referral.referringUnit, 'referred');
      const own = decisionsOf.get(id) ?? [];
      const accepted = own.find((d) => d.answer === 'accepted');
      if (accepted) add(accepted.at, referral.referringUnit, 'accepted');
      for (const withdrawal of own.filter((d) => d.answer === 'withdrawn')) add(withdrawal.at, referral.referringUnit, 'withdrawn');
      if (accepted && referral.asnId) acceptedSince.set(id, { asnId: referral.asnId as Types.ObjectId, at: accepted.at, unit: referral.referringUnit, id });
    }
    if (acceptedSince.size > 0) {
      const earliest = new Date(Math.min(...[...acceptedSince.values()].map((a) => a.at.getTime()), start.getTime()));
      const held = await this.sources.held.between(earliest, cutoff, now, [...acceptedSince.values()].map((a) => a.asnId));
      held.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
      for (const { asnId, at, unit, id } of acceptedSince.values()) {
        const first = held.find((s) => s.clientId.equals(asnId) && s.startsAt >= at);
        if (!first) continue;
        const monthEnd = monthStart(nextMonth(monthOf(first.startsAt)));
        const inForce = (decisionsOf.get(id) ?? []).filter((d) => d.at < monthEnd).at(-1);
        if (inForce?.answer === 'accepted' && inForce.reportAttendance) add(first.startsAt, unit, 'attended');
      }
    }
    return counts;
  }

  /** The devices' contributions; the collection may not exist yet, and anything not of its shape is left out. */
  async #outcomes(months: readonly string[]): Promise<Counts<OutcomeChange>> {
    const counts: Counts<OutcomeChange> = new Map();
    const contributions = await this.db.connection
      .collection(EVALUATION_CONTRIBUTIONS)
      .find({ month: { $in: [...months] } }, { projection: { _id: 0, unit: 1, month: 1, change: 1 } })
      .toArray();
    for (const { unit, month, change } of contributions) {
      const parsed = OutcomeChange.safeParse(change);
      if (!parsed.success || typeof month !== 'string') continue;
      const code = typeof unit === 'string' && unit.length > 0 ? unit : NO_UNIT;
      const byUnit = counts.get(month) ?? new Map<string, Record<OutcomeChange, number>>();
      const cell = byUnit.get(code) ?? zeroes(outcomeChanges);
      cell[parsed.data] += 1;
      byUnit.set(code, cell);
      counts.set(month, byUnit);
    }
    return counts;
  }

  async #feedback(months: readonly string[]): Promise<FeedbackMonth[]> {
    const k = this.options.minCount;
    const ratings = await this.sources.feedback.find({ month: { $in: [...months] } }).select({ month: 1, rating: 1, chips: 1 }).lean();
    return months.map((month) => {
      const own = ratings.filter((r) => r.month === month);
      const byRating = feedbackRatings.map((r) => own.filter((f) => String(f.rating) === r).length);
      return {
        month,
        ratings: figuresOf(feedbackRatings, (r) => suppress(byRating[feedbackRatings.indexOf(r)] ?? 0, k)),
        rated: suppressTotal(byRating, k),
        chips: figuresOf(feedbackChips, (chip) => suppress(own.filter((f) => f.chips.includes(chip)).length, k)),
      };
    });
  }

  async #accompaniment(start: Date, cutoff: Date, now: Date): Promise<ProgrammeReportView['accompaniment']> {
    const k = this.options.minCount;
    const perPerson = new Map<string, number>();
    for (const session of await this.sources.held.between(start, cutoff, now)) perPerson.set(String(session.clientId), (perPerson.get(String(session.clientId)) ?? 0) + 1);
    const counts = zeroes(accompanimentBands);
    for (const sessions of perPerson.values()) counts[bandOf(sessions)] += 1;
    const cells = accompanimentBands.map((band) => counts[band]);
    return { people: figuresOf(accompanimentBands, (band) => suppress(counts[band], k)), total: suppressTotal(cells, k) };
  }
}

export function bandOf(sessions: number): AccompanimentBand {
  if (sessions <= 1) return '1';
  if (sessions === 2) return '2';
  if (sessions <= 4) return '3-4';
  if (sessions <= 8) return '5-8';
  return '9+';
}

/** One month's table by unit, published: its unit rows and its totals. */
function byUnitMonth<M extends string>(
  month: string,
  measures: readonly M[],
  byUnit: ReadonlyMap<string, Record<M, number>> | undefined,
  sizes: ReadonlyMap<string, number> | undefined,
  k: number,
): { month: string; units: Array<Record<M, ReportFigure> & { agencyUnit: string }>; total: Record<M, ReportFigure> } {
  const table = groupByUnit(measures, byUnit ?? new Map(), sizes ?? new Map(), k);
  const { cells, totals } = publishTable(measures, table, k);
  return {
    month,
    units: table.columns.map((agencyUnit, i) => ({ ...figuresOf(measures, (m) => cells[m][i] ?? null), agencyUnit })),
    total: totals,
  };
}
