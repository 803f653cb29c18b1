import { demoAccounts } from '@care/server';
import type { BookingView, CounselorSlotsView } from '@care/shared';
import { randomBytes } from 'node:crypto';
import mongoose, { Types } from 'mongoose';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFailed } from 'vitest';
import { allWeek, schedulingClient } from '../integration/scheduling/scheduling-app.js';
import { backAfter, freePort, liveOneToOne } from '../support/back-in-room.js';
import { launchChromium } from '../support/browser.js';
import { FailoverProxy } from '../support/failover-proxy.js';
import { recordFault } from '../support/fault-figures.js';
import { safetyCode } from '../support/group-view.js';
import { NetworkNamespace, namespacesUsable } from '../support/network-namespace.js';
import { MASTER_NAME, SentinelSet } from '../support/sentinel-set.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { encryptionState } from '../support/session-flow.js';
import { ask, connect, login } from '../support/test-platform.js';

/*
 * Issue 14, fault 3, second half: a signal node cut off together with the
 * old Redis primary. Node A and the primary run in a network namespace;
 * node B, the replica and the three sentinels on this side of its veth.
 * Both nodes are CARE_ROLE=all processes behind a balancer that checks
 * /readyz and gives each new connection to the first healthy node (A first).
 * The database and the balancer reach A through Unix-socket relays, which
 * the cut does not part: the worst case, where A could go on serving its
 * people while its Redis writes go to a primary that is no longer one.
 *
 * The veth goes down under a live 1:1 on A. The sentinels promote the
 * replica. What must hold: A stops serving (it cannot hear a majority of
 * sentinels confirm its primary) and its pages reconnect through the
 * balancer to B and are back in their room (admitted still: the lobby's
 * state was on the replica), on a new MLS epoch with one safety code,
 * decoding each other, chat going both ways; bookings made meanwhile are
 * answered 201 only once they are in the database; presence is fresh on
 * the new primary. Then the cut heals: the old primary rejoins as a replica,
 * A finds the new primary and serves again, nothing crashed.
 * `cutoff_signal_s` is from the cut to the later page back in its room.
 */
const [counselor, asn, , ...bookers] = demoAccounts;
const probe = namespacesUsable();
/** The nodes' lease on their primary (the sentinels call a primary down after 1 s: sentinel-set.ts). */
const LEASE_MS = 1000;
/** Presence lapses this long after the last heartbeat: what the replica had of the cut-off side is gone after it. */
const PRESENCE_TTL_SECONDS = 5;
/** Node A's port inside its namespace (the namespace has nothing else). */
const A_PORT = 3000;
let ns: NetworkNamespace;
let set: SentinelSet;
let proxy: FailoverProxy;
let cutOff: ServerProcess;
let kept: ServerProcess;
/** Node A's port as this side reaches it (through the namespace relay, not the veth). */
let aPort: number;
let dbName: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!probe.usable) throw new Error(`network namespaces are not usable here: ${probe.why}`);
  ns = NetworkNamespace.create('cut');
  await ns.forwardLocalhost(Number(new URL(inject('mongodbUri')).port));
  set = await SentinelSet.start({ namespace: ns.name, primaryAddress: ns.address, hostAddress: ns.hostAddress });
  proxy = await FailoverProxy.start({ healthPath: '/readyz', intervalMs: 250 });
  dbName = `care_e2e_${randomBytes(4).toString('hex')}`;
  const shared = {
    REDIS_SENTINELS: set.sentinels,
    REDIS_MASTER_NAME: MASTER_NAME,
    // Only the db: the sentinels say where the primary is.
    REDIS_URL: 'redis://127.0.0.1:1/0',
    REDIS_PRIMARY_LEASE_MS: String(LEASE_MS),
    PRESENCE_TTL_SECONDS: String(PRESENCE_TTL_SECONDS),
    PUBLIC_URL: proxy.url,
    MONGODB_DB: dbName,
    RATE_LIMIT_KEY: randomBytes(32).toString('base64'),
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  cutOff = await startServerProcess({ ...shared, PORT: String(A_PORT), MEDIA_LISTEN_IP: ns.address }, { namespace: ns.name });
  aPort = await ns.exposeToHost(A_PORT);
  const bPort = await freePort();
  kept = await startServerProcess({ ...shared, PORT: String(bPort) });
  proxy.targets = [
    { host: '127.0.0.1', port: aPort },
    { host: '127.0.0.1', port: bPort },
  ];
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await proxy?.close();
  await kept?.stop();
  await cutOff?.stop();
  await set?.close();
  ns?.close();
});

async function say(page: Page, text: string): Promise<void> {
  await page.getByTestId('chat-input').fill(text);
  await page.getByTestId('chat-input').press('Enter');
}

const heard = (page: Page, text: string) => page.getByTestId('chat-theirs').filter({ hasText: text }).waitFor({ timeout: 30_000 });

/** Node A's readiness status, asked on this side. */
const readiness = (port: number) =>
  fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
    (response) => response.status,
    () => 0,
  );

/** Whether a process is still running. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The presence of `userId` as a socket signed in with `cookie` (connecting to `url`) is told it. */
async function presenceSeen(url: string, cookie: string, userId: string): Promise<unknown> {
  const socket = await connect(url, cookie);
  try {
    return await ask(socket, 'presence:subscribe', { userIds: [userId] });
  } finally {
    socket.close();
  }
}

describe('a signal node is cut off together with the old Redis primary', () => {
  it('its pages move to the other node and are back in their room; no booking lost, no MLS fork; after the cut heals the old primary is a replica and the node serves again', { timeout: 300_000 }, async (context) => {
    // On failure, the nodes' own account (warnings and worse: opaque ids only).
    onTestFailed(() => {
      for (const [name, node] of [['A (cut off)', cutOff], ['B', kept]] as const) {
        for (const line of node.output.join('').split('\n').filter((l) => /"level":[456]0/.test(l))) console.log(name, line.slice(0, 400));
      }
    });
    const { host, client, before } = await liveOneToOne(browser, proxy.url, contexts);
    await say(host, 'Sebelum jaringan terputus.');
    await heard(client, 'Sebelum jaringan terputus.');

    // People who will book while the network is cut, signed in before it (their sessions are on the replica too).
    const counselorCookie = await login(proxy.url, counselor.email, counselor.password);
    const asnCookie = await login(proxy.url, asn.email, asn.password);
    const me = await schedulingClient(proxy.url, counselorCookie, '/api/auth').get<{ id: string }>('/me');
    const counselorId = me.body.data!.id;
    const asnId = (await schedulingClient(proxy.url, asnCookie, '/api/auth').get<{ id: string }>('/me')).body.data!.id;
    expect((await schedulingClient(proxy.url, counselorCookie).put('/availability', { weekly: allWeek, minNoticeHours: 0, maxPerDay: 24, horizonDays: 30 })).status).toBe(200);
    const listed = await schedulingClient(proxy.url, counselorCookie).get<CounselorSlotsView>(`/counselors/${counselorId}/slots`);
    const slots = (listed.body.data?.slots ?? []).map((slot) => slot.startsAt).filter((startsAt) => Date.parse(startsAt) > Date.now() + 48 * 3600_000);
    const bookerCookies = await Promise.all(bookers.map((account) => login(proxy.url, account.email, account.password)));
    const primaryBefore = await set.primary();
    expect(primaryBefore.host).toBe(ns.address);

    const cutAt = Date.now();
    ns.cut();

    // People keep booking through the balancer while the network is cut (two each).
    const answers: Array<{ status: number; id?: string; code?: string; at?: number }> = [];
    const booking = (async () => {
      for (let i = 0; i < bookerCookies.length * 2; i += 1) {
        // A connection that ends without an answer is no acknowledgement (status 0): nothing to keep, counted apart.
        const droppedBefore = proxy.dropped;
        const answer = await schedulingClient(proxy.url, bookerCookies[i % bookerCookies.length])
          .post<BookingView>('/bookings', { counselorId, startsAt: slots[i] })
          .catch((error: unknown) => String((error as { cause?: unknown }).cause ?? error));
        const at = Number(((Date.now() - cutAt) / 1000).toFixed(2));
        // Unanswered, and the balancer dropped a connection meanwhile: it had no node ready to send it to.
        const code = typeof answer === 'string' ? (proxy.dropped > droppedBefore ? `no node ready (${answer})` : answer) : answer.body.error?.code;
        answers.push(typeof answer === 'string' ? { status: 0, code, at } : { status: answer.status, id: answer.body.data?.id, code, at });
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    })();

    // A stops serving: its readiness says so (asked through the namespace relay, which the cut does not part).
    await expect.poll(() => readiness(aPort), { timeout: 30_000, interval: 250 }).toBe(503);
    const stoppedAt = Date.now();
    // A client that insists on A, past the balancer (a stale address, a modified app), is refused plainly:
    // no new connection, and a typed 503 for any request, so nothing more is written to the old primary.
    await expect(connect(`http://127.0.0.1:${aPort}`, asnCookie)).rejects.toThrow();
    const insisted = await schedulingClient(`http://127.0.0.1:${aPort}`, bookerCookies[0]).post('/bookings', { counselorId, startsAt: slots[slots.length - 1] });
    expect(insisted).toEqual({ status: 503, body: { ok: false, error: { code: 'unavailable', message: expect.any(String) } } });
    const promoted = await set.promotedAfter(primaryBefore.port);
    console.log(`signal node cut off: A out of service after ${((stoppedAt - cutAt) / 1000).toFixed(2)} s, a new primary after ${((Date.now() - cutAt) / 1000).toFixed(2)} s`);
    expect(promoted).not.toBe(primaryBefore.port);

    // Both pages are back in their room on B: a new epoch, one safety code, encrypted, decoding each other.
    const [hostBack, clientBack] = await Promise.all([backAfter(host, before, cutAt, 90_000), backAfter(client, before, cutAt, 90_000)]);
    const seconds = Math.max(hostBack, clientBack) / 1000;
    recordFault(context, { cutoff_signal_s: seconds });
    console.log(`signal node cut off: host back ${(hostBack / 1000).toFixed(2)} s, client back ${(clientBack / 1000).toFixed(2)} s`);
    const oneGroup = (await safetyCode(client)) === (await safetyCode(host));
    recordFault(context, { mls_forks: oneGroup ? 0 : 1 });
    expect(oneGroup).toBe(true);
    expect(await safetyCode(host)).not.toBe(before);
    expect(await encryptionState(host)).toBe('encrypted');
    expect(await encryptionState(client)).toBe('encrypted');

    // Chat goes on both ways in the new epoch; what was said before is shown once.
    await say(client, 'Saya kembali setelah pemutusan.');
    await heard(host, 'Saya kembali setelah pemutusan.');
    await say(host, 'Baik, kita lanjutkan.');
    await heard(client, 'Baik, kita lanjutkan.');
    expect(await client.getByTestId('chat-theirs').filter({ hasText: 'Sebelum jaringan terputus.' }).count()).toBe(1);
    expect(await host.locator('[data-testid="chat-mine"] .failed').count()).toBe(0);

    // Every booking answered "booked" is in the database; every other answer is a typed refusal.
    await booking;
    const db = await mongoose.createConnection(inject('mongodbUri'), { dbName }).asPromise();
    try {
      const booked = answers.filter((answer) => answer.status === 201);
      const lost = [];
      for (const answer of booked) {
        if ((await db.collection('appointments').countDocuments({ _id: new Types.ObjectId(answer.id) })) !== 1) lost.push(answer.id);
      }
      recordFault(context, { failover_lost_bookings: lost.length });
      expect(lost).toEqual([]);
      expect(booked.length).toBeGreaterThan(0);
      for (const answer of answers.filter((answer) => answer.status !== 201 && answer.status !== 0)) {
        expect(answer.status, JSON.stringify(answer)).toBeGreaterThanOrEqual(400);
        expect(answer.code, JSON.stringify(answer)).toBeTruthy();
      }
      const unanswered = answers.filter((answer) => answer.status === 0).length;
      // What the database holds of the slots asked for (a booking made whose answer never came would show here).
      const asked = slots.slice(0, answers.length).map((startsAt) => new Date(startsAt));
      const stored = await db.collection('appointments').countDocuments({ counselorId: new Types.ObjectId(counselorId), startsAt: { $in: asked }, status: 'booked' });
      console.log(`signal node cut off: answers ${JSON.stringify(answers.map(({ status, code, at }) => ({ status, code, at })))} stored=${stored}`);
      console.log(
        `signal node cut off: bookings asked=${answers.length} booked=${booked.length} refused=${answers.length - booked.length - unanswered} unanswered=${unanswered} lost=${lost.length} balancer_dropped=${proxy.dropped}`,
      );
    } finally {
      await db.close();
    }

    // Presence is fresh on the new primary: once whatever the replica had from before the cut has lapsed,
    // the ASN (through the balancer, to B) still sees the counselor online.
    const lapsed = cutAt + PRESENCE_TTL_SECONDS * 1000 + 1000 - Date.now();
    if (lapsed > 0) await new Promise((resolve) => setTimeout(resolve, lapsed));
    await expect
      .poll(() => presenceSeen(proxy.url, asnCookie, counselorId), { timeout: 30_000, interval: 500 })
      .toEqual({ ok: true, data: [{ userId: counselorId, online: true, status: 'online' }] });

    // The cut heals: the sentinels make the old primary a replica of the new one,
    ns.heal();
    await expect
      .poll(
        async () => {
          const info = await set.replication(primaryBefore.host, primaryBefore.port).catch(() => '');
          return info.includes('role:slave') && info.includes(`master_port:${promoted}`) && info.includes('master_link_status:up');
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe(true);
    // and A finds the new primary and serves again: ready, and what it reads is what B wrote there.
    await expect.poll(() => readiness(aPort), { timeout: 60_000, interval: 500 }).toBe(200);
    await expect
      .poll(() => presenceSeen(`http://127.0.0.1:${aPort}`, counselorCookie, asnId), { timeout: 30_000, interval: 500 })
      .toEqual({ ok: true, data: [{ userId: asnId, online: true, status: 'online' }] });
    // Nothing crashed, and the pages were not disturbed by A coming back.
    expect(alive(cutOff.pid) && alive(kept.pid)).toBe(true);
    expect(cutOff.output.join('')).not.toMatch(/"level":60/);
    expect(kept.output.join('')).not.toMatch(/"level":60/);
    expect(await safetyCode(client)).toBe(await safetyCode(host));
    expect(await encryptionState(client)).toBe('encrypted');
  });
});
