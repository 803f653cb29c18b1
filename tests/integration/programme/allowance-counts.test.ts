import type { AllowanceCountsView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, schedulingClient, type TestAccount } from '../scheduling/scheduling-app.js';

const K = 5;
const PER_YEAR = 8;
let t: TestPlatform;
let admin: TestAccount;
// Last programme year: every month of it closed, whatever day this runs.
const year = new Date(Date.now() + 7 * 3_600_000).getUTCFullYear() - 1;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info', REPORT_MIN_COUNT: String(K) });
  [admin] = (await createAccounts(t, 'admin', 1, 'counts-admin')) as [TestAccount];
  const users = t.platform.db.connection.collection('users');
  const person = (i: number, unit: string) => ({
    _id: new Types.ObjectId(),
    email: `counts-${unit}-${i}@test.care-asn.id`,
    displayName: `Counts ${unit} ${i}`,
    role: 'asn',
    passwordHash: 'x',
    agencyUnit: unit,
    createdAt: new Date(Date.UTC(year - 1, 5, 1)),
  });
  // ALW: 12 people — 6 used some of their sessions, 5 all of them, 1 more after a grant. TINY: 2 people, merged and withheld.
  const alw = Array.from({ length: 12 }, (_, i) => person(i, 'ALW'));
  const tiny = Array.from({ length: 2 }, (_, i) => person(i, 'TINY'));
  await users.insertMany([...alw, ...tiny]);
  const used = [2, 2, 2, 3, 4, 7, 8, 8, 8, 8, 8, 10];
  const seats = alw.flatMap((p, i) =>
    Array.from({ length: used[i]! }, (_, n) => ({
      clientId: p._id,
      year,
      seatNo: n + 1,
      appointmentId: new Types.ObjectId(),
      startsAt: new Date(Date.UTC(year, 2, 1 + n, 3)),
      claimedAt: new Date(Date.UTC(year, 1, 1)),
    })),
  );
  seats.push({ clientId: tiny[0]!._id, year, seatNo: 1, appointmentId: new Types.ObjectId(), startsAt: new Date(Date.UTC(year, 4, 2, 3)), claimedAt: new Date(Date.UTC(year, 4, 1)) });
  await t.platform.db.connection.collection('allowance_seats').insertMany(seats);
  await t.platform.db.connection.collection('allowance_grants').insertOne({
    clientId: alw[11]!._id,
    year,
    grantNo: 1,
    counselorId: new Types.ObjectId(),
    reason: 'plan_in_progress',
    sessions: 2,
    grantedAt: new Date(Date.UTC(year, 2, 5)),
  });
});
afterAll(async () => {
  await t?.close();
});

describe('allowance use for staff: suppressed counts only', () => {
  it('counts people by how much of their allowance they used, per unit, with small counts hidden and small units withheld', async () => {
    const answer = await schedulingClient(t.url, admin.cookie, '/api/admin').get<AllowanceCountsView>(`/reports/allowance?year=${year}`);
    expect(answer.status).toBe(200);
    const view = answer.body.data!;
    expect(view).toMatchObject({ year, perYear: PER_YEAR, through: `${year}-12`, minCount: K });
    expect(view.units.find((u) => u.agencyUnit === 'ALW')).toEqual({ agencyUnit: 'ALW', people: { some: 6, all: 5, beyond: `<${K}` }, grants: `<${K}` });
    // TINY's two people are "other", still fewer than k: its one person is withheld, not shown as "<5".
    expect(view.units.find((u) => u.agencyUnit === 'other')?.people.some).toBeNull();
    // Nothing in the answer names a person.
    expect(JSON.stringify(view)).not.toMatch(/Counts ALW|@test\.care-asn\.id|[a-f0-9]{24}/);
  });

  it('is for staff only, and takes a year, nothing else', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'counts-asn')) as [TestAccount];
    expect((await schedulingClient(t.url, asn.cookie, '/api/admin').get(`/reports/allowance?year=${year}`)).status).toBe(403);
    for (const query of ['', '?year=abc', `?year=${year}&unit=ALW`, '?year=1999']) {
      const answer = await schedulingClient(t.url, admin.cookie, '/api/admin').get(`/reports/allowance${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_payload');
    }
  });
});
