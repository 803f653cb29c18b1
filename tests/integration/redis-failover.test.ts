import type { BookingView, CounselorSlotsView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stillServed, TwoSessionNodes } from '../hostile/session-sockets.js';
import { SentinelSet, MASTER_NAME } from '../support/sentinel-set.js';
import { nextEvent, type TestPlatform, type TestSocket } from '../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type TestAccount } from './scheduling/scheduling-app.js';

/*
 * Redis behind Sentinel (issue 14, "State that must survive a failover"):
 * two server nodes find the primary through three sentinels; the primary is
 * killed while people book; the sentinels promote the replica. What must
 * hold: every booking that was answered "booked" is in the database (the
 * bookings live there, Redis only helps), nobody already signed in is
 * signed out, people can sign in again, live connections keep being served,
 * and a change on one node still reaches a person connected to the other
 * (the Socket.IO adapter's subscriptions moved to the new primary).
 */

let set: SentinelSet;
let nodes: TwoSessionNodes;
let a: TestPlatform;
let b: TestPlatform;
let counselor: TestAccount;
let clients: TestAccount[];
let counselorSocket: TestSocket;
let slots: string[];

beforeAll(async () => {
  set = await SentinelSet.start();
  // REDIS_URL gives only the db here: the sentinels say where the primary is.
  nodes = await TwoSessionNodes.start({ REDIS_SENTINELS: set.sentinels, REDIS_MASTER_NAME: MASTER_NAME, REDIS_URL: 'redis://127.0.0.1:1/0' });
  ({ a, b } = nodes);
  [counselor] = (await createAccounts(a, 'counselor', 1, 'failover-counselor')) as [TestAccount];
  clients = await createAccounts(a, 'asn', 24, 'failover-asn');
  expect((await schedulingClient(a.url, counselor.cookie).put('/availability', { weekly: allWeek, minNoticeHours: 0, maxPerDay: 24, horizonDays: 30 })).status).toBe(200);
  const listed = await schedulingClient(b.url, clients[0]!.cookie).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  slots = (listed.body.data?.slots ?? []).map((slot) => slot.startsAt).filter((startsAt) => Date.parse(startsAt) > Date.now() + 48 * 3600_000);
  expect(slots.length).toBeGreaterThanOrEqual(clients.length);
  counselorSocket = await nodes.open(a, counselor.cookie);
}, 120_000);

afterAll(async () => {
  await nodes?.close();
  await set?.close();
});

const bookingExists = async (id: string) =>
  (await a.platform.db.connection.collection('appointments').countDocuments({ _id: new Types.ObjectId(id) })) === 1;

describe('Redis primary failover through Sentinel', () => {
  it('loses no answered booking, signs nobody out, and carries changes across nodes on the new primary', async () => {
    // Before: a booking on node B reaches the counselor connected to node A.
    const first = nextEvent<{ change: string }>(counselorSocket, 'calendar:changed');
    expect((await schedulingClient(b.url, clients[0]!.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[0] })).status).toBe(201);
    expect((await first).change).toBe('booked');

    // People keep booking on both nodes while the primary dies.
    const answers: Array<{ status: number; id?: string; code?: string }> = [];
    const booking = (async () => {
      for (let i = 1; i < 20; i += 1) {
        const node = i % 2 === 0 ? a : b;
        const answer = await schedulingClient(node.url, clients[i]!.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[i] });
        answers.push({ status: answer.status, id: answer.body.data?.id, code: answer.body.error?.code });
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 600));
    const { before, after } = await set.killPrimary();
    expect(after).not.toBe(before);
    await booking;

    // Every answer was an answer (booked, or a typed refusal while Redis was away), and every "booked" is kept.
    const booked = answers.filter((answer) => answer.status === 201);
    const lost = [];
    for (const answer of booked) if (!(await bookingExists(answer.id!))) lost.push(answer.id);
    expect(lost).toEqual([]);
    for (const answer of answers.filter((answer) => answer.status !== 201)) {
      expect(answer.status, JSON.stringify(answer)).toBeGreaterThanOrEqual(400);
      expect(answer.code, JSON.stringify(answer)).toBeTruthy();
    }
    expect(booked.length).toBeGreaterThan(0);

    // Signed in before the failover: still signed in, on both nodes (the replica had the sessions).
    for (const node of [a, b]) {
      const me = await fetch(`${node.url}/api/auth/me`, { headers: { cookie: clients[21]!.cookie } });
      expect(me.status).toBe(200);
    }
    // The live connection is still served (presence works on the new primary).
    await expect.poll(() => stillServed(counselorSocket), { timeout: 15_000, interval: 250 }).toBe(true);

    // After: a booking on node B still reaches the counselor on node A.
    const later = nextEvent<{ bookingId: string; change: string }>(counselorSocket, 'calendar:changed', 15_000);
    const made = await schedulingClient(b.url, clients[22]!.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[22] });
    expect(made.status).toBe(201);
    expect(await later).toEqual({ bookingId: made.body.data?.id, change: 'booked' });
    console.log(
      `redis failover: bookings_answered=${answers.length} booked=${booked.length} refused=${answers.length - booked.length} lost=${lost.length}`,
    );
  }, 120_000);
});
