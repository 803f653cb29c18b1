import { type InviteCountRow, type InviteCountsView, NO_UNIT } from '@care/shared';
import type { Model } from 'mongoose';
import type { Database } from '../db/database.js';
import { cellState, shown, suppressTotal } from '../reporting/small-counts.js';
import { byUnitColumn, unitGroups } from '../reporting/unit-groups.js';
import type { Invite } from './invite-model.js';

export interface InviteCountOptions {
  /** k, as in the report: 1..k−1 shown as "<k", units with fewer than k invites merged. */
  minCount: number;
  now: () => Date;
}

const states = ['accepted', 'open', 'expired'] as const;
type State = (typeof states)[number];

/**
 * ASN invites as counts per unit — how many accepted, are still open, or
 * expired — suppressed like the report, so that staff see uptake, not people.
 * A unit with fewer than k invites is merged into "other"; totals are
 * withheld when they would narrow a hidden cell.
 */
export class InviteCounts {
  constructor(
    private readonly db: Database,
    private readonly invites: Model<Invite>,
    private readonly options: InviteCountOptions,
  ) {}

  async view(): Promise<InviteCountsView> {
    const k = this.options.minCount;
    const now = this.options.now();
    const [invites, accounts] = await Promise.all([
      this.invites.find({ role: 'asn' }, { email: 1, agencyUnit: 1, expiresAt: 1, acceptedAt: 1 }).lean(),
      this.db.users.find({ role: 'asn' }, { email: 1 }).lean(),
    ]);
    const hasAccount = new Set(accounts.map((a) => a.email));
    const sizes = new Map<string, number>();
    for (const invite of invites) sizes.set(invite.agencyUnit, (sizes.get(invite.agencyUnit) ?? 0) + 1);
    const groupOf = unitGroups(sizes, k);

    const byColumn = new Map<string, Record<State, number>>();
    for (const invite of invites) {
      const state: State = invite.acceptedAt || hasAccount.has(invite.email) ? 'accepted' : invite.expiresAt > now ? 'open' : 'expired';
      const column = groupOf(invite.agencyUnit);
      const cell = byColumn.get(column) ?? { accepted: 0, open: 0, expired: 0 };
      cell[state] += 1;
      byColumn.set(column, cell);
    }
    const columns = [...byColumn.keys()].sort(byUnitColumn(NO_UNIT));
    const cells = columns.map((column) => byColumn.get(column) ?? { accepted: 0, open: 0, expired: 0 });
    // "Other" with fewer than k invites all told: every non-zero count of it withheld, as in the report.
    const small = cells.map((c) => c.accepted + c.open + c.expired < k);
    const stateOf = (state: State) => cells.map((c, i) => cellState(c[state], k, small[i]));
    const units: InviteCountRow[] = columns.map((agencyUnit, i) => {
      const figure = (state: State) => shown(cells[i]?.[state] ?? 0, stateOf(state)[i] ?? 'exact', k);
      return { agencyUnit, accepted: figure('accepted'), open: figure('open'), expired: figure('expired') };
    });
    const total = Object.fromEntries(states.map((state) => [state, suppressTotal(cells.map((c) => c[state]), k, stateOf(state))])) as InviteCountsView['total'];
    return { minCount: k, units, total };
  }
}
