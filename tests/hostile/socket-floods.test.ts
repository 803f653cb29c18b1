import { randomBytes } from 'node:crypto';
import { MAX_INCOMING_BITRATE } from '@care/media';
import { requestBudgets, type RequestFamily } from '@care/server';
import { Types } from 'mongoose';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundMedia, newMediaContext, waitForInboundMedia } from '../support/browser.js';
import { BrowserHarness, type SignedIn } from '../support/browser-harness.js';
import { ProtocolPeer, type Answer } from '../support/protocol-peer.js';
import { growth, rateLimitedCounts } from '../support/rate-limit-metrics.js';
import { openSessionById } from '../support/session-flow.js';
import { nextEvent, type TestPlatform } from '../support/test-platform.js';
import { circleBody, circlesClient } from '../integration/circles/circles-client.js';
import { createAccounts, type TestAccount } from '../integration/scheduling/scheduling-app.js';

/*
 * A hostile member floods a support circle with what the issue names: 100
 * knocks, 200 KeyPackages, 100 commits of 60 kB, 100 transports, 20 rejoins in
 * a second. The member is a real socket.io-client connection with its real
 * session cookie (a pure protocol attack: a patched web app would send the
 * same packets). Each flood is a burst, then keeps coming while the checks
 * run. Past its budget every request is answered `rate_limited` and counted in
 * /metrics, and meanwhile the facilitator's page in Chromium still answers a
 * click and a chat line, and another session (a 1:1 in two more Chromium
 * pages) carries on: chat relayed, audio and video still arriving.
 */

let h: BrowserHarness;
let t: TestPlatform;
let other: { host: SignedIn; client: SignedIn };
let hostPage: Page;
let hostile: ProtocolPeer;
let hostileAccount: TestAccount;
let sessionId: string;
let roomId: string;
let hostPeerId: string;
let checks = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const isLimited = (answer: Answer) => !answer.ok && answer.error.code === 'rate_limited';

beforeAll(async () => {
  h = await BrowserHarness.start();
  t = h.t;
  // The other session: the demo counselor and client, 1:1, media both ways.
  other = await h.sessionPair();
  expect((await waitForInboundMedia(other.host.page)).videoFramesDecoded).toBeGreaterThan(0);
  expect((await waitForInboundMedia(other.client.page)).videoFramesDecoded).toBeGreaterThan(0);

  // The attacked session: a circle meeting with its own facilitator, and a hostile member.
  const [facilitator] = (await createAccounts(t, 'counselor', 1, 'flood-host')) as [TestAccount];
  [hostileAccount] = (await createAccounts(t, 'asn', 1, 'flood-member')) as [TestAccount];
  const created = await circlesClient(t.url, facilitator).post<{ id: string }>('/', circleBody({ capacity: 4 }, 2 / 60));
  expect(created.status).toBe(201);
  const circleId = created.body.data!.id;
  expect((await circlesClient(t.url, hostileAccount).post(`/${circleId}/enrol`)).status).toBe(200);
  const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({ circleId: new Types.ObjectId(circleId) }, { sort: { seq: 1 } });
  sessionId = String(meeting?._id);
  roomId = String(meeting?.roomId);

  const context = h.track(await newMediaContext(h.browser, h.baseUrl));
  await context.addCookies([{ name: 'care_session', value: facilitator.cookie.split('=')[1] ?? '', url: h.baseUrl, httpOnly: true, sameSite: 'Strict' }]);
  hostPage = await context.newPage();
  await openSessionById(hostPage, sessionId);
  await hostPage.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 60_000 });

  hostile = await ProtocolPeer.open(t.url, hostileAccount.cookie);
}, 240_000);

afterAll(async () => {
  hostile?.close();
  await h?.close();
});

interface Flood {
  /** The burst, all sent at once (or `spacingMs` apart). */
  burst: Answer[];
  /** What kept coming while the checks ran. */
  sustained: Answer[];
  elapsedMs: number;
}

/**
 * Sends `count` requests, then keeps sending one every 100 ms while
 * `meanwhile` runs (the checks), and returns every answer.
 */
async function flood(event: string, payload: (i: number) => unknown, count: number, meanwhile: () => Promise<void>, spacingMs = 0): Promise<Flood> {
  const started = Date.now();
  const burst = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      if (spacingMs) await sleep(i * spacingMs);
      return hostile.request(event, payload(i));
    }),
  );
  let running = true;
  const sustained: Answer[] = [];
  const keepUp = (async () => {
    for (let i = count; running; i++) {
      sustained.push(await hostile.request(event, payload(i)));
      await sleep(100);
    }
  })();
  try {
    await meanwhile();
  } finally {
    running = false;
    await keepUp;
  }
  return { burst, sustained, elapsedMs: Date.now() - started };
}

/**
 * The family's connection budget held: exactly what was left of it got
 * through the burst, everything after was `rate_limited` (give or take a new
 * window, if the checks outlasted one), and /metrics counted every refusal
 * under this family and no other.
 */
async function expectHeld(family: RequestFamily, result: Flood, before: Map<string, number>, usedBefore = 0): Promise<void> {
  const { points, seconds } = requestBudgets[family].perConnection;
  const passed = result.burst.filter((a) => !isLimited(a)).length;
  expect(passed).toBe(points - usedBefore);
  expect(result.burst.slice(points - usedBefore).every(isLimited)).toBe(true);
  const laterWindows = Math.floor(result.elapsedMs / (seconds * 1000));
  expect(result.sustained.filter((a) => !isLimited(a)).length).toBeLessThanOrEqual(points * laterWindows);
  expect(result.sustained.length).toBeGreaterThan(0);
  for (const answer of [...result.burst, ...result.sustained]) {
    if (isLimited(answer) && !answer.ok) expect(answer.error.message).toMatch(/wait a moment/);
  }
  const refused = [...result.burst, ...result.sustained].filter(isLimited).length;
  const grown = growth(before, await rateLimitedCounts(t.url));
  expect(grown[family]).toBe(refused);
  // Nobody else was refused anything: not the facilitator, not the other session.
  expect(Object.keys(grown).filter((key) => key.split('/')[0] !== family)).toEqual([]);
  // The logs got a line per window and scope, not one per refusal.
  const lines = t.logs.filter((line) => line.includes('requests refused: over budget') && line.includes(`"family":"${family}"`));
  expect(lines.length).toBeGreaterThan(0);
  expect(lines.length).toBeLessThanOrEqual(3 * (1 + Math.ceil(result.elapsedMs / 60_000)));
}

async function flowOver(page: Page, ms: number): Promise<{ video: number; audio: number }> {
  const before = await inboundMedia(page);
  await page.waitForTimeout(ms);
  const after = await inboundMedia(page);
  return { video: after.videoPacketsReceived - before.videoPacketsReceived, audio: after.audioPacketsReceived - before.audioPacketsReceived };
}

/** The other session carries on: a chat line gets across, and audio and video keep arriving on both sides. */
async function otherSessionCarriesOn(): Promise<void> {
  const text = `Masih di sini ${++checks}`;
  await other.client.page.getByTestId('chat-input').fill(text);
  await other.client.page.getByTestId('chat-input').press('Enter');
  await other.host.page.getByTestId('chat-theirs').filter({ hasText: text }).waitFor({ timeout: 60_000 });
  // Both sides over the same two seconds.
  for (const flow of await Promise.all([other.host.page, other.client.page].map((page) => flowOver(page, 2000)))) {
    expect(flow.video).toBeGreaterThan(0);
    expect(flow.audio).toBeGreaterThan(0);
  }
}

/** The facilitator's page answers: a chat line typed there reaches the room (the hostile member gets it) and shows as sent. */
async function hostPageAnswers(): Promise<void> {
  const text = `Tetap tenang ${++checks}`;
  const relayed = nextEvent<{ fromPeerId: string }>(hostile.socket, 'mls:message', 60_000);
  await hostPage.getByTestId('chat-input').fill(text);
  await hostPage.getByTestId('chat-input').press('Enter');
  expect((await relayed).fromPeerId).toBe(hostPeerId);
  await hostPage.getByTestId('chat-mine').filter({ hasText: text }).waitFor({ timeout: 60_000 });
}

describe('floods from one hostile member, on the real stack', () => {
  it('100 knocks: five reach the facilitator, the rest are refused; the facilitator still admits with a click', async () => {
    const before = await rateLimitedCounts(t.url);
    const admitted = nextEvent(hostile.socket, 'lobby:admitted', 60_000);
    const result = await flood('lobby:knock', () => ({ sessionId }), 100, async () => {
      // One entry in the facilitator's lobby, however many knocks: admitting it is answered.
      await expect.poll(() => hostPage.getByTestId('admit').count(), { timeout: 60_000 }).toBe(1);
      await hostPage.getByTestId('admit').click();
      await admitted;
      await otherSessionCarriesOn();
    });
    expect(result.burst.filter((a) => a.ok).every((a) => a.ok && (a.data as { admitted: boolean }).admitted === false)).toBe(true);
    await expectHeld('knock', result, before);

    const joined = await hostile.join(sessionId, { audio: false, video: false });
    hostPeerId = joined.peers.find((p) => p.host)?.peerId ?? '';
    await expect.poll(() => hostPage.getByTestId('circle-grid').getAttribute('data-count'), { timeout: 60_000 }).toBe('2');
  }, 180_000);

  it('200 KeyPackages: ten are forwarded, the rest refused; the facilitator chats on', async () => {
    const before = await rateLimitedCounts(t.url);
    const result = await flood('mls:publish-key-package', () => ({ keyPackage: randomBytes(370) }), 200, async () => {
      await hostPageAnswers();
      await otherSessionCarriesOn();
    });
    await expectHeld('key_package', result, before);
  }, 180_000);

  it('100 commits of 60 kB: forty are read, the rest refused before their handler; the facilitator chats on', async () => {
    const before = await rateLimitedCounts(t.url);
    // Random bytes are no commit of this group: the delivery service refuses each one it reads
    // (invalid_payload), so the facilitator's group stays as it was and the checks measure the flood alone.
    const result = await flood('mls:commit', () => ({ commit: randomBytes(60 * 1024) }), 100, async () => {
      await hostPageAnswers();
      await otherSessionCarriesOn();
    });
    for (const answer of result.burst.filter((a) => !isLimited(a))) {
      expect(answer.ok ? (answer.data as { accepted: boolean }).accepted : answer.error.code).not.toBe(true);
    }
    await expectHeld('commit', result, before);
    expect(hostile.socket.connected).toBe(true);
  }, 180_000);

  it('100 transports: one send and one receive transport exist, capped in bitrate; the rest are refused', async () => {
    const before = await rateLimitedCounts(t.url);
    const result = await flood('room:create-transport', (i) => ({ direction: i % 2 === 0 ? 'send' : 'recv' }), 100, async () => {
      await hostPageAnswers();
      await otherSessionCarriesOn();
    });
    const created = result.burst.filter((a) => a.ok);
    expect(created).toHaveLength(2);
    // Within the family's budget, the second transport of a direction is refused by the peer's limit.
    const { points } = requestBudgets.transport.perConnection;
    expect(result.burst.slice(0, points).filter(isLimited)).toHaveLength(points - 2);
    const grown = growth(before, await rateLimitedCounts(t.url));
    expect(grown['transport/limit']).toBe(points - 2);
    expect(grown['transport/connection']).toBe(result.burst.length - points + result.sustained.filter(isLimited).length);
    expect(Object.keys(grown).filter((key) => key.split('/')[0] !== 'transport')).toEqual([]);

    const peer = t.platform.media.get(roomId)?.peer(hostile.joined?.peerId ?? '');
    const transports = [...(peer?.transports.values() ?? [])];
    expect(transports.map((tr) => tr.appData.direction).sort()).toEqual(['recv', 'send']);
    for (const transport of transports) {
      const [stats] = await transport.getStats();
      expect(stats?.maxIncomingBitrate).toBe(MAX_INCOMING_BITRATE);
    }
  }, 180_000);

  it('20 rejoins in a second: three more are taken, the rest refused; the member stays one peer, the facilitator chats on', async () => {
    const before = await rateLimitedCounts(t.url);
    const result = await flood('room:join', () => ({ sessionId, sending: { audio: false, video: false } }), 20, async () => {
      await hostPageAnswers();
      await otherSessionCarriesOn();
    });
    // One join of this connection's budget went on entering the room.
    await expectHeld('join', result, before, 1);
    // However many rejoins ran, the member is one peer in the room, and one tile on the facilitator's page.
    expect(t.platform.media.get(roomId)?.peerCount).toBe(2);
    await expect.poll(() => hostPage.getByTestId('circle-grid').getAttribute('data-count'), { timeout: 60_000 }).toBe('2');
    await hostPageAnswers();
  }, 180_000);

  it('the other session was never touched: both people still there, encrypted, media flowing', async () => {
    const appointment = await t.platform.db.appointments.findOne({});
    expect(t.platform.media.get(appointment?.roomId ?? '')?.peerCount).toBe(2);
    for (const page of [other.host.page, other.client.page]) {
      expect(['encrypted', 'verified']).toContain(await page.getByTestId('encryption').getAttribute('data-state'));
    }
    await otherSessionCarriesOn();
  }, 120_000);
});
