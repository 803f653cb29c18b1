import type { BookingView, CounselorSlotsView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, startSchedulingApp, type SchedulingApp, type TestAccount } from './scheduling-app.js';

const RACERS = 200;
const DISTINCT = 40;

let t: TestPlatform;
let app: SchedulingApp;
let counselor: TestAccount;
let asns: TestAccount[];
let slots: CounselorSlotsView['slots'];

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
  app = await startSchedulingApp(t);
  [counselor] = (await createAccounts(t, 'counselor', 1)) as [TestAccount];
  asns = await createAccounts(t, 'asn', RACERS + DISTINCT + 1);
  const saved = await schedulingClient(app.url, counselor.cookie).put('/availability', {
    timeZone: 'Asia/Makassar',
    weekly: allWeek,
    minNoticeHours: 1,
    maxPerDay: 24,
  });
  expect(saved.status).toBe(200);
  const listed = await schedulingClient(app.url, asns[0]?.cookie).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  slots = listed.body.data?.slots ?? [];
  expect(slots.length).toBeGreaterThan(DISTINCT + 10);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const count = (filter: Record<string, unknown>) => t.platform.db.appointments.countDocuments(filter);

describe('no double booking, whatever the concurrency (real FerretDB)', () => {
  it(`${RACERS} ASNs booking one slot at once: exactly one wins, the rest are told slot_taken`, async () => {
    const slot = slots[3]!;
    const racers = asns.slice(0, RACERS);
    const answers = await Promise.all(
      racers.map((asn) => schedulingClient(app.url, asn.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slot.startsAt })),
    );
    const wins = answers.filter((a) => a.status === 201);
    const losses = answers.filter((a) => a.status !== 201);
    expect(wins).toHaveLength(1);
    expect(losses).toHaveLength(RACERS - 1);
    for (const loss of losses) {
      expect(loss.status).toBe(409);
      expect(loss.body.error?.code).toBe('slot_taken');
      expect(loss.body.error?.message).toMatch(/taken/);
    }
    expect(await count({ counselorId: counselor.id, startsAt: new Date(slot.startsAt) })).toBe(1);

    // The slot now shows as taken, and only the winner holds it.
    const after = await schedulingClient(app.url, asns[0]?.cookie).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
    expect(after.body.data?.slots.map((s) => s.startsAt)).not.toContain(slot.startsAt);
    const winner = racers[answers.findIndex((a) => a.status === 201)]!;
    const loser = racers.find((a) => a !== winner)!;
    expect((await schedulingClient(app.url, winner.cookie).get<BookingView[]>('/bookings')).body.data?.map((b) => b.startsAt)).toEqual([slot.startsAt]);
    expect((await schedulingClient(app.url, loser.cookie).get<BookingView[]>('/bookings')).body.data).toEqual([]);
  });

  it(`${DISTINCT} ASNs booking ${DISTINCT} different slots at once: all succeed`, async () => {
    const free = slots.filter((_, i) => i !== 3).slice(0, DISTINCT);
    const bookers = asns.slice(RACERS, RACERS + DISTINCT);
    const answers = await Promise.all(
      bookers.map((asn, i) => schedulingClient(app.url, asn.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: free[i]!.startsAt })),
    );
    expect(answers.map((a) => a.status)).toEqual(bookers.map(() => 201));
    expect(new Set(answers.map((a) => a.body.data?.id)).size).toBe(DISTINCT);
    expect(await count({ counselorId: counselor.id })).toBe(DISTINCT + 1);
  });

  it('one ASN firing at one slot 20 times holds it once, and is told it is theirs', async () => {
    const asn = asns[RACERS + DISTINCT]!;
    const slot = slots[DISTINCT + 5]!;
    const client = schedulingClient(app.url, asn.cookie);
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.post('/bookings', { counselorId: counselor.id, startsAt: slot.startsAt })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 201)) expect(a.body.error?.code).toBe('already_booked');
    expect(await count({ clientId: asn.id })).toBe(1);
  });
});
