import type { ProgrammeReportView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, schedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';

const K = 5;
let t: TestPlatform;
let admin: TestAccount;
// Last programme year: every month of it closed, whatever day this runs.
const year = new Date(Date.now() + 7 * 3_600_000).getUTCFullYear() - 1;
const at = (month: number, day: number) => new Date(Date.UTC(year, month - 1, day, 3));
const report = async () => (await schedulingClient(t.url, admin.cookie, '/api/admin').get<ProgrammeReportView>(`/reports/programme?year=${year}`)).body.data!;
const collection = (name: string) => t.platform.db.connection.collection(name);

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info', REPORT_MIN_COUNT: String(K) });
  [admin] = (await createAccounts(t, 'admin', 1, 'pr-admin')) as [TestAccount];
});
afterAll(async () => {
  await t?.close();
});

async function seed(): Promise<void> {
  const person = (i: number, unit: string) => ({
    _id: new Types.ObjectId(),
    email: `pr-${unit}-${i}@test.care-asn.id`,
    displayName: `Report ${unit} ${i}`,
    role: 'asn',
    passwordHash: 'x',
    agencyUnit: unit,
    active: true,
    createdAt: new Date(Date.UTC(year - 1, 5, 1)),
  });
  // REF: 12 people; TINY: 2, merged into "other" and withheld.
  const ref = Array.from({ length: 12 }, (_, i) => person(i, 'REF'));
  const tiny = Array.from({ length: 2 }, (_, i) => person(i, 'TINY'));
  await collection('users').insertMany([...ref, ...tiny]);
  const sessions: Array<Record<string, unknown>> = [];
  const session = (clientId: Types.ObjectId, startsAt: Date) =>
    sessions.push({ counselorId: new Types.ObjectId(), clientId, startsAt, endsAt: new Date(startsAt.getTime() + 1_800_000), roomId: `pr-${sessions.length}`, status: 'completed' });
  // Seven referrals by REF in March, one by TINY; six taken up on 10 March, five of them allowing attendance; one withdrawn in April.
  const referrals = [...ref.slice(0, 7), tiny[0]!].map((p, i) => ({
    _id: new Types.ObjectId(),
    email: p.email,
    asnId: p._id,
    reason: 'wellbeing',
    referringUnit: i < 7 ? 'REF' : 'TINY',
    referredBy: admin.id,
    referredAt: at(3, 3),
  }));
  await collection('referrals').insertMany(referrals);
  const decisions = referrals.slice(0, 6).map((r, i) => ({ referralId: r._id, seq: 1, answer: 'accepted', reportAttendance: i < 5, at: at(3, 10) }));
  decisions.push({ referralId: referrals[0]!._id, seq: 2, answer: 'withdrawn', reportAttendance: false, at: at(4, 2) });
  await collection('referral_decisions').insertMany(decisions);
  // Each of the six held a session on 20 March; six others held three in February.
  for (const p of ref.slice(0, 6)) session(p._id, at(3, 20));
  for (const p of ref.slice(6, 12)) for (const day of [3, 10, 17]) session(p._id, at(2, day));
  await collection('appointments').insertMany(sessions);
  const month = `${year}-03`;
  await t.platform.db.connection.collection<{ _id: string; month: string; rating: number; chips: string[] }>('session_feedback').insertMany([
    ...Array.from({ length: 6 }, () => ({ _id: crypto.randomUUID(), month, rating: 5, chips: ['felt_heard'] })),
    { _id: crypto.randomUUID(), month, rating: 4, chips: ['felt_heard', 'helpful'] },
    { _id: crypto.randomUUID(), month, rating: 4, chips: [] },
  ]);
}

describe('the programme lines of the employer-blind report', () => {
  it('with no evaluation contributions yet (the collection may not exist): zeros, no error', async () => {
    const empty = await report();
    expect(empty.through).toBe(`${year}-12`);
    expect(empty.outcomes).toHaveLength(12);
    expect(empty.outcomes.every((m) => m.units.length === 0 && Object.values(m.total).every((v) => v === 0))).toBe(true);
  });

  it('referral funnel, outcomes, feedback and accompaniment length: suppressed, small units withheld, totals withheld when they would tell', async () => {
    await seed();
    await collection('evaluation_contributions').insertMany([
      ...Array.from({ length: 6 }, () => ({ unit: 'REF', month: `${year}-03`, change: 'improved' })),
      ...Array.from({ length: 2 }, () => ({ unit: 'REF', month: `${year}-03`, change: 'same' })),
      { unit: null, month: `${year}-03`, change: 'worse' },
      { unit: 'REF', month: `${year}-03`, change: 'much better, thanks' },
    ]);
    const view = await report();
    expect(view.minCount).toBe(K);
    const march = view.referrals.find((m) => m.month === `${year}-03`)!;
    expect(march.units).toEqual([
      { agencyUnit: 'REF', referred: 7, accepted: 6, attended: 5, withdrawn: 0 },
      { agencyUnit: 'other', referred: null, accepted: 0, attended: 0, withdrawn: 0 },
    ]);
    // 8 referred in all, with "other" withheld: the total would give it back.
    expect(march.total).toEqual({ referred: null, accepted: 6, attended: 5, withdrawn: 0 });
    const april = view.referrals.find((m) => m.month === `${year}-04`)!;
    expect(april.units).toEqual([{ agencyUnit: 'REF', referred: 0, accepted: 0, attended: 0, withdrawn: `<${K}` }]);
    expect(april.total.withdrawn).toBe(`<${K}`);

    const outcomes = view.outcomes.find((m) => m.month === `${year}-03`)!;
    expect(outcomes.units).toEqual([
      { agencyUnit: 'REF', improved: 6, same: `<${K}`, worse: 0 },
      { agencyUnit: 'other', improved: 0, same: 0, worse: null },
    ]);
    expect(outcomes.total).toEqual({ improved: 6, same: `<${K}`, worse: `<${K}` });

    const feedback = view.feedback.find((m) => m.month === `${year}-03`)!;
    expect(feedback.ratings).toEqual({ '1': 0, '2': 0, '3': 0, '4': `<${K}`, '5': 6 });
    // 8 rated, and the one hidden cell would be 8 − 6.
    expect(feedback.rated).toBeNull();
    expect(feedback.chips).toMatchObject({ felt_heard: 7, helpful: `<${K}`, too_short: 0 });

    // Six people held one session this year, six held three.
    expect(view.accompaniment).toEqual({ people: { '1': 6, '2': 0, '3-4': 6, '5-8': 0, '9+': 0 }, total: 12 });
    expect(JSON.stringify(view)).not.toMatch(/pr-REF|Report REF|[0-9a-f]{24}/);
  });

  it('a month not yet closed shows nothing, and the year ahead has no closed month', async () => {
    const ahead = (await schedulingClient(t.url, admin.cookie, '/api/admin').get<ProgrammeReportView>(`/reports/programme?year=${year + 2}`)).body.data!;
    expect(ahead).toMatchObject({ through: null, referrals: [], outcomes: [], feedback: [] });
  });

  it('staff only; a year must be a year', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'pr-asn'));
    const [counselor] = (await createAccounts(t, 'counselor', 1, 'pr-counselor'));
    for (const who of [asn!, counselor!]) expect((await schedulingClient(t.url, who.cookie, '/api/admin').get(`/reports/programme?year=${year}`)).status).toBe(403);
    for (const query of ['', '?year=abc', '?year=1999', `?year=${year}&unit=REF`]) {
      const answer = await schedulingClient(t.url, admin.cookie, '/api/admin').get(`/reports/programme${query}`);
      expect([query, answer.status, answer.body.error?.code]).toEqual([query, 400, 'invalid_payload']);
    }
  });
});
