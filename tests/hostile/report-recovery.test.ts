import { demoAccounts } from '@care/server';
import type { ReportFigure, ReportView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, type ApiClient } from '../integration/accounts/accounts-app.js';
import { createAccounts } from '../integration/scheduling/scheduling-app.js';
import { DisclosureSolver } from '../support/disclosure-solver.js';
import { ReportHistory } from '../support/report-history.js';
import { login, startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * The curious administrator: everything an admin can request — the report
 * for every month range, its totals and utilisation, the invite and circle
 * count endpoints, staff lists, look-ups — fed to an exact solver that tries
 * to pin down every hidden cell of the report. It is given more than the
 * admin can request, the worst case: the counselors' hours and the session
 * length (so utilisation turns into a number of sessions), and the seats of
 * every meeting held (a cap on circle attendance).
 *
 * It must fail: every "<k" cell keeps every value from 1 to k−1, every
 * withheld cell at least two values, and a month's figures are the same in
 * every range and before and after its circles' member links are deleted.
 * The positive control: the same solver, given the same months published
 * with only the small cells hidden (totals and utilisation exact, as a
 * report without complementary suppression would), recovers hidden cells —
 * the right values.
 */

const K = 10;
const SESSION_MINUTES = 50;
const measures = ['held', 'noShows', 'cancellations', 'circle'] as const;
type Measure = (typeof measures)[number];
type Counts = Record<Measure, number>;
const field: Record<Measure, 'sessionsHeld' | 'noShows' | 'cancellations' | 'circleAttendance'> = {
  held: 'sessionsHeld',
  noShows: 'noShows',
  cancellations: 'cancellations',
  circle: 'circleAttendance',
};

/** Units with at least k people stand alone; CCC, DDD and the people without a unit are "other" — nine, still too few: withheld. */
const units = { AAA: 15, BBB: 12, EEE: 10, CCC: 4, DDD: 3, none: 2 } as const;
type Unit = keyof typeof units;
const columnOf = (unit: Unit) => (units[unit] >= K ? (unit === 'none' ? '—' : unit) : 'other');

/** Sessions per month and unit: small cells everywhere, in every pattern the rules must cover. */
const sessions: Record<string, Partial<Record<Unit, { held?: number; noShows?: number; cancelled?: number }>>> = {
  '2026-01': { AAA: { held: 14, noShows: 3, cancelled: 2 }, BBB: { held: 9, cancelled: 11 }, EEE: { held: 20, noShows: 12 }, CCC: { held: 1, noShows: 1 } },
  '2026-02': { AAA: { held: 10, noShows: 10, cancelled: 10 }, BBB: { held: 5 }, EEE: { held: 5 } },
  '2026-03': { AAA: { held: 30, noShows: 1 }, BBB: { held: 12, cancelled: 3 }, DDD: { held: 2 } },
  '2026-04': { AAA: { held: 8, noShows: 2, cancelled: 1 }, BBB: { held: 7, noShows: 3 }, EEE: { held: 11 }, none: { noShows: 1 } },
};
/** Circles: per month, meetings with how many of each unit attended; `capacity` seats each. */
const circles: Record<string, { capacity: number; meetings: Array<Partial<Record<Unit, number>>> }> = {
  '2026-01': { capacity: 20, meetings: [{ AAA: 8, BBB: 1 }, { AAA: 8, BBB: 1 }, { AAA: 8, BBB: 1 }] },
  // Full: 11 of AAA and 1 of EEE in 12 seats — the seats would cap EEE's one.
  '2026-02': { capacity: 12, meetings: [{ AAA: 11, EEE: 1 }] },
  '2026-03': { capacity: 20, meetings: [{ BBB: 5, CCC: 2 }, { BBB: 4 }] },
  '2026-04': { capacity: 20, meetings: [{ AAA: 10, EEE: 3 }, { BBB: 12 }] },
};

let t: TestPlatform;
let asAdmin: ApiClient;
const people: Record<Unit, string[]> = { AAA: [], BBB: [], EEE: [], CCC: [], DDD: [], none: [] };
const emails: string[] = [];
const circleIds: string[] = [];

/** What the report should hold: the seeded counts, in the report's columns. */
function truth(): Map<string, Map<string, Counts>> {
  const byMonth = new Map<string, Map<string, Counts>>();
  const cell = (month: string, unit: Unit) => {
    const columns = byMonth.get(month) ?? new Map<string, Counts>();
    byMonth.set(month, columns);
    const column = columnOf(unit);
    const counts = columns.get(column) ?? { held: 0, noShows: 0, cancellations: 0, circle: 0 };
    columns.set(column, counts);
    return counts;
  };
  for (const [month, perUnit] of Object.entries(sessions)) {
    for (const [unit, c] of Object.entries(perUnit) as Array<[Unit, { held?: number; noShows?: number; cancelled?: number }]>) {
      const counts = cell(month, unit);
      counts.held += c.held ?? 0;
      counts.noShows += c.noShows ?? 0;
      counts.cancellations += c.cancelled ?? 0;
    }
  }
  for (const [month, { meetings }] of Object.entries(circles)) {
    for (const meeting of meetings) for (const [unit, n] of Object.entries(meeting) as Array<[Unit, number]>) cell(month, unit).circle += n;
  }
  return byMonth;
}

/** The side knowledge granted beyond the API: minutes the counselors offer (Mondays 09–17) and the seats of the meetings held. */
function availableMinutes(month: string): number {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const days = new Date(Date.UTC(year, m, 0)).getUTCDate();
  let mondays = 0;
  for (let day = 1; day <= days; day++) if (new Date(Date.UTC(year, m - 1, day)).getUTCDay() === 1) mondays++;
  return mondays * 8 * 60;
}
const seatsHeld = (month: string) => (circles[month]?.meetings.length ?? 0) * (circles[month]?.capacity ?? 0);

interface HiddenCell {
  label: string;
  unknown: number;
  figure: ReportFigure;
  truth: number;
}

/** The attacker's system for one set of published months: unknowns for hidden cells, sums for everything shown. */
function attack(published: Map<string, ReportView>, expected: Map<string, Map<string, Counts>>): { solver: DisclosureSolver; hidden: HiddenCell[] } {
  const solver = new DisclosureSolver();
  const hidden: HiddenCell[] = [];
  for (const [month, view] of published) {
    const rows = view.rows.filter((r) => r.month === month);
    const total = view.totals.find((r) => r.month === month);
    const use = view.utilisation.find((r) => r.month === month);
    const byMeasure = new Map<Measure, { vars: number[]; constant: number }>();
    for (const measure of measures) {
      const vars: number[] = [];
      let constant = 0;
      for (const row of rows) {
        const figure = row[field[measure]];
        if (typeof figure === 'number') {
          constant += figure;
          continue;
        }
        // "<k" is 1..k−1. A withheld figure beside shown ones is not 0 (0 is always shown); in a row withheld
        // whole (the seats rule), it could be anything.
        const rowWithheld = rows.every((r) => r[field[measure]] === null);
        const unknown = figure === null ? solver.unknown(rowWithheld ? 0 : 1, 100_000) : solver.unknown(1, K - 1);
        vars.push(unknown);
        hidden.push({ label: `${month} ${row.agencyUnit} ${measure}`, unknown, figure, truth: expected.get(month)?.get(row.agencyUnit)?.[measure] ?? 0 });
      }
      byMeasure.set(measure, { vars, constant });
      const shown = total?.[field[measure]];
      if (typeof shown === 'number') solver.sum(vars, shown - constant, shown - constant);
      else if (typeof shown === 'string') solver.sum(vars, 1 - constant, K - 1 - constant);
    }
    // Utilisation × available minutes ÷ session length = held + no-shows (to the rounding of three decimals).
    if (use?.utilisation !== null && use?.utilisation !== undefined) {
      const minutes = availableMinutes(month);
      const low = Math.ceil(((use.utilisation - 0.0005) * minutes) / SESSION_MINUTES - 1e-9);
      const high = Math.floor(((use.utilisation + 0.0005) * minutes) / SESSION_MINUTES + 1e-9);
      const held = byMeasure.get('held')!;
      const noShows = byMeasure.get('noShows')!;
      const constant = held.constant + noShows.constant;
      solver.sum([...held.vars, ...noShows.vars], low - constant, high - constant);
    }
    // Nobody attends beyond the seats of the meetings held.
    const circle = byMeasure.get('circle')!;
    if (circle.vars.length > 0) solver.sum(circle.vars, -100_000, seatsHeld(month) - circle.constant);
  }
  return { solver, hidden };
}

/** The same months as a report without complementary suppression would show them: small cells hidden, every total and the utilisation exact. */
function naivelyPublished(expected: Map<string, Map<string, Counts>>): Map<string, ReportView> {
  const views = new Map<string, ReportView>();
  for (const [month, columns] of expected) {
    const small = (n: number): ReportFigure => (n >= 1 && n < K ? `<${K}` : n);
    const sum = (m: Measure) => [...columns.values()].reduce((s, c) => s + c[m], 0);
    const booked = (sum('held') + sum('noShows')) * SESSION_MINUTES;
    views.set(month, {
      from: month,
      to: month,
      minCount: K,
      months: [month],
      notYetClosed: [],
      rows: [...columns].map(([agencyUnit, c]) => ({
        month,
        agencyUnit,
        sessionsHeld: small(c.held),
        noShows: small(c.noShows),
        cancellations: small(c.cancellations),
        circleAttendance: small(c.circle),
      })),
      totals: [{ month, sessionsHeld: sum('held'), noShows: sum('noShows'), cancellations: sum('cancellations'), circleAttendance: sum('circle') }],
      utilisation: [{ month, utilisation: Math.round((booked / availableMinutes(month)) * 1000) / 1000, counselors: 1 }],
    });
  }
  return views;
}

/** Every range within January–June, and one reaching into the month that is still running. */
async function everyReport(): Promise<Map<string, ReportView>> {
  const all = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
  const byMonth = new Map<string, ReportView>();
  const ranges: Array<[string, string]> = [];
  for (let i = 0; i < all.length; i++) for (let j = i; j < all.length; j++) ranges.push([all[i]!, all[j]!]);
  const wib = new Date(Date.now() + 7 * 3_600_000);
  ranges.push(['2026-01', `${wib.getUTCFullYear()}-${String(wib.getUTCMonth() + 1).padStart(2, '0')}`]);
  for (const [from, to] of ranges) {
    const answer = await asAdmin.get<ReportView>(`/admin/reports?from=${from}&to=${to}`);
    expect(answer.status).toBe(200);
    const view = answer.body.data!;
    for (const month of view.months) {
      const part: ReportView = {
        ...view,
        rows: view.rows.filter((r) => r.month === month),
        totals: view.totals.filter((r) => r.month === month),
        utilisation: view.utilisation.filter((r) => r.month === month),
      };
      const seen = byMonth.get(month);
      // A month must read the same in every range: a difference between two ranges would be a figure of its own.
      if (seen) expect({ rows: part.rows, totals: part.totals, utilisation: part.utilisation }).toEqual({ rows: seen.rows, totals: seen.totals, utilisation: seen.utilisation });
      else byMonth.set(month, part);
    }
  }
  return byMonth;
}

beforeAll(async () => {
  t = await startTestPlatform({ REMINDER_INTERVAL_MS: '300' });
  const [counselor] = await createAccounts(t, 'counselor', 1, 'recovery-counselor');
  const history = new ReportHistory(t, counselor!.id);
  for (const unit of Object.keys(units) as Unit[]) people[unit] = await history.clients(unit === 'none' ? null : unit, units[unit], `recovery-${unit.toLowerCase()}`);
  for (const user of await t.platform.db.users.find({ role: 'asn', email: /@history\.care-asn\.id$/ }).select({ email: 1 }).lean()) emails.push(user.email);
  await history.availability();
  for (const [month, perUnit] of Object.entries(sessions)) {
    for (const [unit, counts] of Object.entries(perUnit) as Array<[Unit, { held?: number; noShows?: number; cancelled?: number }]>) {
      await history.sessions(month, people[unit], counts, SESSION_MINUTES);
    }
  }
  for (const [month, { capacity, meetings }] of Object.entries(circles)) {
    const attendees = meetings.map((meeting) => (Object.entries(meeting) as Array<[Unit, number]>).flatMap(([unit, n]) => people[unit].slice(0, n)));
    // Kept alive for now (its end far ahead), so the first requests read the live claims.
    const { circleId } = await history.circle(month, capacity, attendees, 'active', new Date(Date.UTC(2099, 0, 1)));
    circleIds.push(circleId);
  }
  asAdmin = apiClient(t.url, await login(t.url, demoAccounts[2].email, demoAccounts[2].password));
});
afterAll(() => t?.close());

describe('the curious administrator cannot recover a hidden report cell', () => {
  let before: Map<string, ReportView>;

  it('asks for everything an administrator can, and learns no person from any of it', async () => {
    before = await everyReport();
    const wib = new Date(Date.now() + 7 * 3_600_000);
    const running = `${wib.getUTCFullYear()}-${String(wib.getUTCMonth() + 1).padStart(2, '0')}`;
    expect([...before.keys()]).toEqual(expect.arrayContaining(['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06']));
    expect([...before.keys()]).not.toContain(running);
    const everythingElse = [
      '/auth/me',
      '/admin/invites/counts',
      '/admin/users?role=counselor',
      '/admin/users?role=admin',
      '/admin/invites?role=counselor',
      '/circles/counts',
      '/help-lines',
      '/account/security',
      '/account/notifications',
    ];
    const answers: string[] = [];
    for (const path of everythingElse) {
      const answer = await asAdmin.get(path);
      expect([path, answer.status]).toEqual([path, 200]);
      answers.push(JSON.stringify(answer.body));
    }
    // A look-up by exact address gives the unit and state of one account, no counts and no name.
    const looked = await asAdmin.post('/admin/accounts/lookup', { email: emails[0] });
    expect(looked.status).toBe(200);
    expect(looked.body.data).toEqual({ account: { role: 'asn', agencyUnit: expect.any(String), active: true }, invite: null });
    // Everything about who met whom stays closed to an administrator.
    for (const path of ['/scheduling/bookings', '/appointments', '/circles', '/circles/mine', `/circles/${circleIds[0]}/members`]) {
      expect([path, (await asAdmin.get(path)).status]).toEqual([path, 403]);
    }
    const all = answers.join('\n') + JSON.stringify([...before.values()]);
    for (const id of Object.values(people).flat()) expect(all).not.toContain(id);
    for (const email of emails) expect(all).not.toContain(email);
  });

  it('finds every hidden cell still open: each "<k" any of 1..k−1, each withheld cell more than one value', () => {
    const expected = truth();
    const { solver, hidden } = attack(before, expected);
    expect(hidden.length).toBeGreaterThan(10);
    expect(hidden.some((h) => h.figure === null)).toBe(true);
    // The system is the real one: the true counts satisfy it.
    expect(solver.feasible(new Map(hidden.map((h) => [h.unknown, { lo: h.truth, hi: h.truth }])))).toBe(true);
    const pinned: string[] = [];
    for (const cell of hidden) {
      const { values, many } = solver.possible(cell.unknown);
      if (cell.figure === null) {
        if (!many && values.length < 2) pinned.push(`${cell.label}: withheld, but only ${values.join()} fits`);
      } else if (values.join() !== Array.from({ length: K - 1 }, (_, i) => i + 1).join()) {
        pinned.push(`${cell.label}: "<${K}" narrowed to ${values.join()}`);
      }
    }
    expect(pinned).toEqual([]);
  });

  it('positive control: the same solver recovers hidden cells when totals and utilisation are shown exactly', () => {
    const expected = truth();
    const { solver, hidden } = attack(naivelyPublished(expected), expected);
    const recovered = hidden.flatMap((cell) => {
      const { values, many } = solver.possible(cell.unknown);
      return !many && values.length === 1 ? [{ label: cell.label, value: values[0], truth: cell.truth }] : [];
    });
    expect(recovered.length).toBeGreaterThanOrEqual(3);
    for (const cell of recovered) expect(cell.value).toBe(cell.truth);
  });

  it('reads the same after the circles end and their member links are deleted (the counts kept)', async () => {
    const meetings = t.platform.db.connection.collection('circle_meetings');
    for (const circleId of circleIds) {
      const last = await meetings.find({ circleId: new Types.ObjectId(circleId) }).sort({ endsAt: -1 }).limit(1).next();
      await t.platform.db.connection.collection('circles').updateOne({ _id: new Types.ObjectId(circleId) }, { $set: { endsAt: last?.endsAt } });
    }
    // Every node's reminder loop retires ended circles; wait for it (a guard, not a timing).
    const retirements = t.platform.db.connection.collection('circle_retirements');
    const claims = t.platform.db.connection.collection('circle_attendance');
    for (let waited = 0; ; waited += 200) {
      const done = await retirements.countDocuments({ circleId: { $in: circleIds.map((id) => new Types.ObjectId(id)) }, linksDeletedAt: { $ne: null } });
      if (done === circleIds.length) break;
      if (waited > 60_000) throw new Error(`only ${done} of ${circleIds.length} circles retired`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const allMeetings = await meetings.find({ circleId: { $in: circleIds.map((id) => new Types.ObjectId(id)) } }).toArray();
    expect(await claims.countDocuments({ meetingId: { $in: allMeetings.map((m) => m._id) } })).toBe(0);
    const after = await everyReport();
    for (const [month, view] of before) {
      expect({ month, rows: after.get(month)?.rows, totals: after.get(month)?.totals }).toEqual({ month, rows: view.rows, totals: view.totals });
    }
  });
});
