import { demoAccounts } from '@care/server';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolPeer } from '../support/protocol-peer.js';
import { growth, rateLimitedCounts } from '../support/rate-limit-metrics.js';
import { login, nextEvent, startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { circleBody, circlesClient } from './circles/circles-client.js';
import { createAccounts, type TestAccount } from './scheduling/scheduling-app.js';

/*
 * The request budgets (server/src/socket/request-budgets.ts) leave honest
 * people alone: a 20-person circle arriving together, a day of chat, a
 * reconnect, a rejoin and ICE restarts are never answered `rate_limited`.
 * The participants are real socket.io clients with real session cookies
 * sending what the web app sends, MLS included (tests/support/protocol-peer.ts).
 */

let t: TestPlatform;
const peers: ProtocolPeer[] = [];

async function open(cookie: string, platform: TestPlatform = t): Promise<ProtocolPeer> {
  const peer = await ProtocolPeer.open(platform.url, cookie);
  peers.push(peer);
  return peer;
}

beforeAll(async () => {
  t = await startTestPlatform();
});

afterAll(async () => {
  for (const peer of peers) peer.close();
  await t?.close();
});

describe('a 20-person circle still joins', () => {
  it('20 members knock, are admitted at once, join, send media, publish KeyPackages and are added by the committer: nothing is refused', async () => {
    const [facilitator] = (await createAccounts(t, 'counselor', 1, 'full-circle-host')) as [TestAccount];
    const asns = await createAccounts(t, 'asn', 20, 'full-circle-member');
    // The first meeting starts in two minutes: its room is open from 15 minutes before.
    const created = await circlesClient(t.url, facilitator).post<{ id: string }>('/', circleBody({ capacity: 20 }, 2 / 60));
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const circleId = created.body.data!.id;
    for (const asn of asns) expect((await circlesClient(t.url, asn).post(`/${circleId}/enrol`)).status).toBe(200);
    const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({ circleId: new Types.ObjectId(circleId) }, { sort: { seq: 1 } });
    const sessionId = String(meeting?._id);
    const before = await rateLimitedCounts(t.url);

    const host = await open(facilitator.cookie);
    const hostJoined = await host.join(sessionId);
    await host.sendMedia(1000);
    await host.startMls();

    const members = await Promise.all(asns.map((asn) => open(asn.cookie)));
    const admitted = members.map((m) => nextEvent(m.socket, 'lobby:admitted', 30_000));
    await Promise.all(members.map((m) => m.data('lobby:knock', { sessionId })));
    expect(await host.data<unknown[]>('lobby:watch', { sessionId })).toHaveLength(20);
    expect(await host.data('lobby:admit-all', { sessionId })).toEqual({ admitted: 20 });
    await Promise.all(admitted);

    // Each page joins as soon as it is admitted: all at once.
    await Promise.all(
      members.map(async (member, i) => {
        await member.join(sessionId);
        await member.sendMedia(10_000 * (i + 2));
        await member.startMls();
      }),
    );

    const everyone = [host, ...members];
    await expect
      .poll(() => everyone.every((p) => p.groupSize() === 21 && p.epoch() === host.epoch()), { timeout: 180_000, interval: 500 })
      .toBe(true);
    // Each receives the other 20's microphone and camera, every consumer resumed.
    await expect.poll(() => everyone.map((p) => p.consumers.size), { timeout: 120_000, interval: 500 }).toEqual(everyone.map(() => 40));

    const room = t.platform.media.get(hostJoined.roomId);
    expect(room?.peerCount).toBe(21);
    for (const { producer } of room?.producers() ?? []) expect(producer.closed).toBe(false);
    expect([...(room?.producers() ?? [])]).toHaveLength(42);

    for (const peer of everyone) {
      expect(peer.refused()).toEqual([]);
      expect(peer.failures()).toEqual([]);
    }
    expect(growth(before, await rateLimitedCounts(t.url))).toEqual({});
  }, 300_000);
});

/** The demo 1:1 of a platform: its session and both people signed in. */
interface DemoSession {
  platform: TestPlatform;
  sessionId: string;
  counselorCookie: string;
  asnCookie: string;
}

async function demoSession(platform: TestPlatform): Promise<DemoSession> {
  const [counselor, asn] = demoAccounts;
  const appointment = await platform.platform.db.appointments.findOne({});
  return {
    platform,
    sessionId: String(appointment?._id),
    counselorCookie: await login(platform.url, counselor.email, counselor.password),
    asnCookie: await login(platform.url, asn.email, asn.password),
  };
}

/** The counselor in the room and the ASN admitted and joined, both sending media, in one MLS group. */
async function pair({ platform, sessionId, counselorCookie, asnCookie }: DemoSession): Promise<{ host: ProtocolPeer; client: ProtocolPeer }> {
  const host = await open(counselorCookie, platform);
  await host.join(sessionId);
  await host.sendMedia(1000);
  await host.startMls();
  const client = await open(asnCookie, platform);
  const admitted = nextEvent(client.socket, 'lobby:admitted');
  const knock = await client.data<{ admitted: boolean }>('lobby:knock', { sessionId });
  // Admitted at once (a returning person): no push follows, so the wait is dropped, not left to reject.
  if (knock.admitted) admitted.catch(() => undefined);
  else {
    await host.data('lobby:admit', { sessionId, userId: String((await platform.platform.db.users.findOne({ email: demoAccounts[1].email }))?._id) });
    await admitted;
  }
  await client.join(sessionId);
  await client.sendMedia(2000);
  await client.startMls();
  await expect.poll(() => host.groupSize() === 2 && client.groupSize() === 2, { timeout: 30_000 }).toBe(true);
  return { host, client };
}

describe('a day of chat', () => {
  /*
   * A day of chat is long; budgets are proportions. This server divides every
   * budget window by TIME_SCALE (REQUEST_BUDGET_TIME_SCALE, points as
   * written, the same limiter code in memory and in Redis), and the chat
   * below is played TIME_SCALE times faster: the same lines against the same
   * budget per window, in a fifth of the time.
   */
  const TIME_SCALE = 5;
  let fast: TestPlatform;
  let demo: DemoSession;

  beforeAll(async () => {
    fast = await startTestPlatform({ REQUEST_BUDGET_TIME_SCALE: String(TIME_SCALE) });
    demo = await demoSession(fast);
  });

  afterAll(async () => {
    await fast?.close();
  });

  it('200 lines over a session, in bursts of five, reach the other side and none is refused', async () => {
    const before = await rateLimitedCounts(fast.url);
    const { host, client } = await pair(demo);
    // Faster than people type: a burst of five lines every five and a half seconds (at TIME_SCALE: every 1.1 s), one line a second on average.
    const BURSTS = 20;
    const BURST_EVERY_MS = 5500 / TIME_SCALE;
    const started = Date.now();
    for (let burst = 0; burst < BURSTS; burst++) {
      // Each burst at its own instant on the timetable, however long the previous one took to send.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + burst * BURST_EVERY_MS - Date.now())));
      for (let line = 0; line < 5; line++) {
        expect((await host.say(`konselor ${burst}.${line}`)).ok).toBe(true);
        expect((await client.say(`asn ${burst}.${line}`)).ok).toBe(true);
      }
    }
    await expect.poll(() => [host.chat.length, client.chat.length], { timeout: 30_000 }).toEqual([BURSTS * 5, BURSTS * 5]);
    expect(host.chat.map((l) => l.text)).toEqual(Array.from({ length: BURSTS * 5 }, (_, i) => `asn ${Math.floor(i / 5)}.${i % 5}`));
    expect(client.chat.every((l) => l.from === host.joined?.peerId)).toBe(true);
    expect([...host.refused(), ...client.refused()]).toEqual([]);
    expect(growth(before, await rateLimitedCounts(fast.url))).toEqual({});
    host.close();
    client.close();
  }, 240_000);
});

describe('a reconnect, a rejoin and ICE restarts', () => {
  let demo: DemoSession;

  beforeAll(async () => {
    demo = await demoSession(t);
  });

  it('a reconnect, a rejoin on the same connection and ICE restarts of both transports are answered', async () => {
    const { sessionId, asnCookie } = demo;
    const before = await rateLimitedCounts(t.url);
    const { host, client } = await pair(demo);
    // A network that flaps: the web app restarts ICE on each transport, at most every two seconds.
    for (let round = 0; round < 3; round++) {
      for (const transportId of [client.transports.send, client.transports.recv]) {
        const restarted = await client.request<{ iceParameters: { usernameFragment: string } }>('room:restart-ice', { transportId });
        expect(restarted.ok).toBe(true);
      }
    }
    // The media restarted: the page rejoins on the same connection (RoomClient closes and joins again).
    const rejoined = await client.join(sessionId);
    expect(rejoined.peers.map((p) => p.peerId)).toEqual([host.joined?.peerId]);
    await client.sendMedia(3000);
    // The connection drops and comes back: a new connection knocks (already admitted) and joins.
    client.close();
    const again = await open(asnCookie);
    expect(await again.data('lobby:knock', { sessionId })).toEqual({ admitted: true });
    await again.join(sessionId);
    await again.sendMedia(4000);
    await again.startMls();
    await expect.poll(() => again.groupSize() === 2 && host.groupSize() === 2, { timeout: 30_000 }).toBe(true);
    expect(t.platform.media.get(rejoined.roomId)?.peerCount).toBe(2);
    expect([...host.refused(), ...client.refused(), ...again.refused()]).toEqual([]);
    expect(growth(before, await rateLimitedCounts(t.url))).toEqual({});
  }, 120_000);
});
