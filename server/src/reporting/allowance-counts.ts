import { NO_UNIT, type AllowanceBand, type AllowanceCountRow, type AllowanceCountsView } from '@care/shared';
import type { Model } from 'mongoose';
import type { Database } from '../db/database.js';
import type { AllowanceGrant } from '../scheduling/allowance-grant-model.js';
import type { AllowanceSeat } from '../scheduling/allowance-seat-model.js';
import { monthStart, nextMonth } from './report-months.js';
import { lastClosedMonthOf } from './report-service.js';
import { groupByUnit, publishTable, zeroes } from './suppressed-table.js';

export interface AllowanceCountOptions {
  /** k, as in the report. */
  minCount: number;
  /** Sessions per person per year before grants. */
  perYear: number;
  now: () => Date;
}

type Measure = AllowanceBand | 'grants';
const measureNames: readonly Measure[] = ['some', 'all', 'beyond', 'grants'];

/**
 * Allowance use for staff (issue 13): per agency unit, how many people used
 * some, all or more than their year's allowance, and how many grants were
 * made — never who. Only sessions and grants before the end of the year's
 * last closed month count (closed as the report's: a day after it ends, WIB),
 * so the figures do not move from one day to the next and two requests
 * cannot be subtracted to find one person's booking. Units are sized by the
 * ASN accounts that existed then and merged as in the report; cells 1..k−1
 * are "<k", a merged column still smaller than k withheld, totals withheld
 * when they would narrow a hidden cell.
 */
export class AllowanceCounts {
  constructor(
    private readonly db: Database,
    private readonly seats: Model<AllowanceSeat>,
    private readonly grants: Model<AllowanceGrant>,
    private readonly options: AllowanceCountOptions,
  ) {}

  async view(year: number): Promise<AllowanceCountsView> {
    const { minCount: k, perYear } = this.options;
    const now = this.options.now();
    const through = lastClosedMonthOf(year, now);
    if (!through) return { year, perYear, through, minCount: k, units: [], total: { people: { some: 0, all: 0, beyond: 0 }, grants: 0 } };
    const cutoff = monthStart(nextMonth(through));
    const [seats, grants, accounts] = await Promise.all([
      this.seats.find({ year, startsAt: { $lt: cutoff } }).select({ clientId: 1 }).lean(),
      this.grants.find({ year, grantedAt: { $lt: cutoff } }).select({ clientId: 1 }).lean(),
      this.db.users.find({ role: 'asn', createdAt: { $lt: cutoff } }).select({ agencyUnit: 1 }).lean(),
    ]);
    const unitOf = new Map(accounts.map((a) => [a._id.toString(), a.agencyUnit ?? NO_UNIT]));
    const sizes = new Map<string, number>();
    for (const unit of unitOf.values()) sizes.set(unit, (sizes.get(unit) ?? 0) + 1);
    const byUnit = new Map<string, Record<Measure, number>>();
    const add = (clientId: string, measure: Measure) => {
      const unit = unitOf.get(clientId);
      // An account made after the cut-off (or gone) has nothing before it.
      if (unit === undefined) return;
      const cell = byUnit.get(unit) ?? zeroes(measureNames);
      cell[measure] += 1;
      byUnit.set(unit, cell);
    };
    const used = new Map<string, number>();
    for (const seat of seats) used.set(seat.clientId.toString(), (used.get(seat.clientId.toString()) ?? 0) + 1);
    for (const [clientId, n] of used) add(clientId, n < perYear ? 'some' : n === perYear ? 'all' : 'beyond');
    for (const grant of grants) add(grant.clientId.toString(), 'grants');
    const table = groupByUnit(measureNames, byUnit, sizes, k);
    const { cells, totals } = publishTable(measureNames, table, k);
    const units: AllowanceCountRow[] = table.columns.map((agencyUnit, i) => ({
      agencyUnit,
      people: { some: cells.some[i] ?? null, all: cells.all[i] ?? null, beyond: cells.beyond[i] ?? null },
      grants: cells.grants[i] ?? null,
    }));
    return {
      year,
      perYear,
      through,
      minCount: k,
      units,
      total: { people: { some: totals.some, all: totals.all, beyond: totals.beyond }, grants: totals.grants },
    };
  }
}
