import type { CaseloadEntry, CaseloadView, CurrentUser } from '@care/shared';
import { isValidObjectId } from 'mongoose';
import type { AccountCache } from '../auth/account-cache.js';
import type { Database } from '../db/database.js';
import { AppError } from '../errors.js';
import { programmeYearOf, type AllowanceSeats } from '../scheduling/allowance-seats.js';
import { requireRole } from '../scheduling/scheduling-access.js';

const DAY = 86_400_000;
/** A person is on a counselor's caseload while they have a session with them upcoming or begun within this many days. */
export const CASELOAD_RECENT_DAYS = 180;
/** At most this many sessions read for one caseload (a counselor's half year is a few hundred at most). */
const MAX_SESSIONS_READ = 2_000;

/**
 * A counselor's caseload: the people with a session with them upcoming or
 * recent (live appointments; a cancelled one does not count). It is what a
 * counselor may act on — propose a follow-up, grant more sessions — and
 * what their caseload page lists: next and last dates and sessions used,
 * nothing else.
 */
export class Caseload {
  constructor(
    private readonly db: Database,
    private readonly allowance: AllowanceSeats,
    private readonly accounts: AccountCache,
    private readonly now: () => Date,
  ) {}

  /** Whether the person is on this counselor's caseload; any other id (a stranger, a counselor, nonsense) is not. */
  async includes(counselorId: string, clientId: string): Promise<boolean> {
    if (!isValidObjectId(clientId)) return false;
    return (await this.db.appointments.exists({ counselorId, clientId, startsAt: { $gte: this.#since() } })) !== null;
  }

  /** Refuses, as "not found" (revealing nothing of who exists), a person not on the caseload. */
  async assertIncludes(counselorId: string, clientId: string): Promise<void> {
    if (!(await this.includes(counselorId, clientId))) throw new AppError('not_found', 'No such person on your caseload.');
  }

  async view(user: CurrentUser): Promise<CaseloadView> {
    requireRole(user, ['counselor'], 'see a caseload');
    const now = this.now();
    const year = programmeYearOf(now);
    const sessions = await this.db.appointments
      .find({ counselorId: user.id, startsAt: { $gte: this.#since() } })
      .select({ clientId: 1, startsAt: 1 })
      .sort({ startsAt: 1 })
      .limit(MAX_SESSIONS_READ)
      .lean();
    const byClient = new Map<string, { next: Date | null; last: Date | null }>();
    for (const { clientId, startsAt } of sessions) {
      const id = clientId.toString();
      const entry = byClient.get(id) ?? { next: null, last: null };
      if (startsAt.getTime() >= now.getTime()) entry.next ??= startsAt;
      else entry.last = startsAt;
      byClient.set(id, entry);
    }
    const people = await Promise.all(
      [...byClient].map(async ([clientId, { next, last }]): Promise<CaseloadEntry> => {
        const [account, allowance] = await Promise.all([this.accounts.get(clientId), this.allowance.view(clientId, year)]);
        return {
          clientId,
          displayName: account?.displayName ?? '—',
          nextSessionAt: next?.toISOString() ?? null,
          lastSessionAt: last?.toISOString() ?? null,
          sessionsUsed: allowance.used,
          sessionsTotal: allowance.total,
        };
      }),
    );
    people.sort(bySessions);
    return { year, people };
  }

  #since(): Date {
    return new Date(this.now().getTime() - CASELOAD_RECENT_DAYS * DAY);
  }
}

/** The soonest next session first; people with none after, the most recently seen first. */
function bySessions(a: CaseloadEntry, b: CaseloadEntry): number {
  if (a.nextSessionAt && b.nextSessionAt) return a.nextSessionAt.localeCompare(b.nextSessionAt);
  if (a.nextSessionAt || b.nextSessionAt) return a.nextSessionAt ? -1 : 1;
  return (b.lastSessionAt ?? '').localeCompare(a.lastSessionAt ?? '');
}
