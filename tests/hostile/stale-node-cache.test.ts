import { demoAccounts, FEED_CONNECTION_NAME, INVALIDATION_CHANNEL, WRITE_MARK_KEY } from '@care/server';
import type { CounselorSlotsView, CurrentUser } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../integration/accounts/accounts-app.js';
import { allWeek, createAccounts, schedulingClient, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { login, type TestPlatform } from '../support/test-platform.js';
import { pause, TwoSessionNodes } from './session-sockets.js';

/*
 * Each server node keeps accounts, counselors' rules and names in memory. An
 * attacker who knows that tries to be served from a node that has not heard
 * of a change yet: booking a counselor through node B in the instant an
 * administrator deactivates them on node A, or a slot the counselor has just
 * closed; or they count on a node whose invalidation feed was cut (a network
 * blip, a Redis failover) or fed a damaged message. The rule under attack:
 * once a change has been answered, no request that begins afterwards, on any
 * node, is served what it replaced.
 */

let nodes: TwoSessionNodes;
let a: TestPlatform;
let b: TestPlatform;

beforeAll(async () => {
  nodes = await TwoSessionNodes.start();
  ({ a, b } = nodes);
});
afterAll(() => nodes.close());

interface Attempt {
  startedAt: number;
  status: number;
  code: string | undefined;
}

/** A counselor open every hour of the week, with many free slots as node B lists them. */
async function openCounselor(label: string): Promise<{ counselor: TestAccount; slots: string[] }> {
  const [counselor] = (await createAccounts(a, 'counselor', 1, label)) as [TestAccount];
  const rules = { weekly: allWeek, minNoticeHours: 1, maxPerDay: 24, horizonDays: 60 };
  expect((await schedulingClient(a.url, counselor.cookie).put('/availability', rules)).status).toBe(200);
  const listed = await schedulingClient(b.url, counselor.cookie).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  return { counselor, slots: (listed.body.data?.slots ?? []).map((s) => s.startsAt) };
}

/** Booking attempts that began after the change's answer, at least this many, before the flood stops (or 10 s pass). */
const ATTEMPTS_AFTER = 20;

/**
 * Floods node B with bookings of the counselor's slots (each a different one)
 * and with reads of their free times (which keep refilling B's caches), from
 * `bookers`, until `change` has been answered and enough bookings begun after
 * it have been answered too. Returns every booking attempt and the moment the
 * change's answer arrived.
 */
async function floodWhile(
  bookers: TestAccount[],
  counselorId: string,
  slots: string[],
  change: () => Promise<void>,
): Promise<{ attempts: Attempt[]; answeredAt: number }> {
  const attempts: Attempt[] = [];
  let next = 0;
  let answeredAt = Number.POSITIVE_INFINITY;
  const goOn = () =>
    next < slots.length &&
    performance.now() < answeredAt + 10_000 &&
    attempts.filter((x) => x.startedAt > answeredAt).length < ATTEMPTS_AFTER;
  const loops = bookers.map(async (asn, i) => {
    const client = schedulingClient(b.url, asn.cookie);
    while (goOn()) {
      if (i % 3 === 0) {
        await client.get(`/counselors/${counselorId}/slots`);
        continue;
      }
      const startedAt = performance.now();
      const answer = await client.post('/bookings', { counselorId, startsAt: slots[next++] });
      attempts.push({ startedAt, status: answer.status, code: answer.body.error?.code });
    }
  });
  await pause(300);
  await change();
  answeredAt = performance.now();
  await Promise.all(loops);
  return { attempts, answeredAt };
}

describe('a change answered on node A, attacked through node B', () => {
  it('a counselor deactivated on A cannot be booked through B by any request that begins after the answer', async () => {
    const admin = apiClient(a.url, await login(a.url, demoAccounts[2].email, demoAccounts[2].password));
    const { counselor, slots } = await openCounselor('flooded');
    const bookers = await createAccounts(a, 'asn', 24, 'flooder');
    const { attempts, answeredAt } = await floodWhile(bookers, counselor.id, slots, async () => {
      expect((await admin.post(`/admin/users/${counselor.id}/active`, { active: false })).status).toBe(200);
    });
    const before = attempts.filter((x) => x.startedAt < answeredAt);
    const after = attempts.filter((x) => x.startedAt > answeredAt);
    expect(before.some((x) => x.status === 201)).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(ATTEMPTS_AFTER);
    expect(after.filter((x) => x.status !== 404 || x.code !== 'not_found')).toEqual([]);
  });

  it('slots a counselor closed on A cannot be booked through B by any request that begins after the answer', async () => {
    const { counselor, slots } = await openCounselor('closing');
    const bookers = await createAccounts(a, 'asn', 24, 'closer');
    const { attempts, answeredAt } = await floodWhile(bookers, counselor.id, slots, async () => {
      const closed = await schedulingClient(a.url, counselor.cookie).put('/availability', { weekly: [], minNoticeHours: 1, maxPerDay: 24, horizonDays: 60 });
      expect(closed.status).toBe(200);
    });
    const after = attempts.filter((x) => x.startedAt > answeredAt);
    expect(attempts.some((x) => x.startedAt < answeredAt && x.status === 201)).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(ATTEMPTS_AFTER);
    expect(after.filter((x) => x.code !== 'outside_availability')).toEqual([]);
  });
});

describe('a node whose invalidation feed is cut or fed garbage', () => {
  const zones = ['Asia/Makassar', 'Asia/Jayapura', 'Asia/Jakarta'] as const;

  /** Changes the time zone on A and reads it back on B at once, `times` times. */
  async function flipAndRead(cookie: string, times: number): Promise<string[]> {
    const wrong: string[] = [];
    for (let i = 0; i < times; i += 1) {
      const zone = zones[i % zones.length]!;
      expect((await apiClient(a.url, cookie).post('/auth/time-zone', { timeZone: zone })).status).toBe(200);
      const seen = (await apiClient(b.url, cookie).get<CurrentUser>('/auth/me')).body.data?.timeZone;
      if (seen !== zone) wrong.push(`${zone} read as ${seen}`);
    }
    return wrong;
  }

  async function feedConnections(): Promise<string[]> {
    const list = (await a.platform.redis.client('LIST')) as string;
    return list
      .split('\n')
      .filter((line) => line.includes(` name=${FEED_CONNECTION_NAME} `))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1] ?? '')
      .filter(Boolean);
  }

  it('reads through while the feed is down, and is current again once it is back', async () => {
    const [asn] = await createAccounts(a, 'asn', 1, 'cut-feed');
    expect(await flipAndRead(asn!.cookie, 3)).toEqual([]);
    const feeds = await feedConnections();
    // Both nodes' feeds (and nothing else).
    expect(feeds).toHaveLength(2);
    for (const id of feeds) await a.platform.redis.client('KILL', 'ID', id);
    // Changes made while the feeds reconnect are not lost on node B.
    expect(await flipAndRead(asn!.cookie, 10)).toEqual([]);
    await expect.poll(async () => (await feedConnections()).length, { timeout: 15_000 }).toBe(2);
    expect(await flipAndRead(asn!.cookie, 10)).toEqual([]);
  });

  it('an invalidation numbered but never delivered: the next request notices the gap and does not trust the cache', async () => {
    const [asn] = await createAccounts(a, 'asn', 1, 'lost-message');
    expect((await apiClient(b.url, asn!.cookie).get<CurrentUser>('/auth/me')).body.data?.timeZone).toBe('Asia/Jakarta');
    // A writer whose message is lost on the way: the change is in the database (written past the model's
    // write reports) and its number was taken, but node B never hears of it.
    await a.platform.db.connection.collection('users').updateOne({ _id: new Types.ObjectId(asn!.id) }, { $set: { timeZone: 'Asia/Jayapura' } });
    await a.platform.redis.incr(WRITE_MARK_KEY);
    expect((await apiClient(b.url, asn!.cookie).get<CurrentUser>('/auth/me')).body.data?.timeZone).toBe('Asia/Jayapura');
    // The feed comes back, and B is current again.
    await expect.poll(async () => (await feedConnections()).length, { timeout: 15_000 }).toBe(2);
    expect(await flipAndRead(asn!.cookie, 5)).toEqual([]);
  });

  it('a damaged or foreign message on the channel crashes nothing and leaves no stale answer', async () => {
    const [asn] = await createAccounts(a, 'asn', 1, 'garbage');
    expect(await flipAndRead(asn!.cookie, 2)).toEqual([]);
    for (const message of ['not json', '{"seq":"x"}', JSON.stringify({ seq: 1e15, topic: 'accounts', keys: ['0'.repeat(24)] }), JSON.stringify({ seq: 5, topic: 'rules', keys: 'all' })]) {
      await a.platform.redis.publish(INVALIDATION_CHANNEL, message);
    }
    expect(await flipAndRead(asn!.cookie, 10)).toEqual([]);
    expect((await apiClient(b.url, asn!.cookie).get('/auth/me')).status).toBe(200);
  });
});
