import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_NAME, SentinelSet } from '../support/sentinel-set.js';
import { connect, login, sessionHeaders, startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { endingOf, stillServed } from './session-sockets.js';

/*
 * A node that cannot hear a majority of the Redis sentinels (cut off with
 * the old primary, issue 14 fault 3b) stops serving, so that nothing more
 * is written to a primary that may no longer be one. A client that goes on
 * talking to that node (a stale tab, a modified app, a balancer without a
 * health check) must get plain refusals and never a write: its live
 * connection is closed as a lost link is (it reconnects; it is not signed
 * out), a new connection is refused at the handshake, every request is a
 * typed 503, and readiness says why. Honest use is unhindered before and
 * after: the same person connects and is served once the sentinels answer.
 * Here two of the three sentinels are frozen (SIGSTOP): the node's primary
 * still answers, the majority does not, as across a cut.
 */
const [, asn] = demoAccounts;
const LEASE_MS = 600;
let set: SentinelSet;
let t: TestPlatform;
let cookie: string;

beforeAll(async () => {
  set = await SentinelSet.start();
  t = await startTestPlatform({
    REDIS_SENTINELS: set.sentinels,
    REDIS_MASTER_NAME: MASTER_NAME,
    REDIS_URL: 'redis://127.0.0.1:1/0',
    REDIS_PRIMARY_LEASE_MS: String(LEASE_MS),
  });
  cookie = await login(t.url, asn.email, asn.password);
}, 90_000);

afterAll(async () => {
  await t?.close();
  await set?.close();
});

const readiness = async () => {
  const response = await fetch(`${t.url}/readyz`);
  return { status: response.status, body: (await response.json()) as unknown };
};

describe('a node out of service for want of its Redis primary', () => {
  it('closes live connections without signing anyone out, refuses new ones and every request, and serves again once the sentinels answer', async () => {
    const socket = await connect(t.url, cookie);
    expect(await stillServed(socket)).toBe(true);
    const ended = endingOf(socket);

    const frozen = set.sentinelPorts.slice(1);
    set.pause(frozen);
    try {
      // The live connection ends as a lost link does: no session notice, a transport close (Socket.IO reconnects).
      const ending = await ended;
      expect(ending).toEqual({ reason: undefined, disconnect: 'transport close' });
      expect(await readiness()).toEqual({ status: 503, body: { ok: false, checks: { redis: false, database: true, media: true } } });
      // A new connection is refused at the handshake.
      await expect(connect(t.url, cookie)).rejects.toThrow();
      // Requests, reads and writes alike, get a typed 503, and the connection is not kept.
      const me = await fetch(`${t.url}/api/auth/me`, { headers: { cookie } });
      expect(me.status).toBe(503);
      expect(me.headers.get('connection')).toBe('close');
      expect(await me.json()).toEqual({ ok: false, error: { code: 'unavailable', message: expect.any(String) } });
      const write = await fetch(`${t.url}/api/auth/logout`, { method: 'POST', headers: sessionHeaders(cookie) });
      expect(write.status).toBe(503);
      // Not even a sign-in is taken: a session written now could be lost with the old primary.
      const signIn = await fetch(`${t.url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: asn.email, password: asn.password }),
      });
      expect(signIn.status).toBe(503);
      expect(signIn.headers.get('set-cookie')).toBeNull();
    } finally {
      set.resume(frozen);
    }

    // The sentinels answer again: the node serves, and the same person (still signed in) is served.
    await expect.poll(async () => (await readiness()).status, { timeout: 15_000, interval: 200 }).toBe(200);
    const back = await connect(t.url, cookie);
    expect(await stillServed(back)).toBe(true);
    expect((await fetch(`${t.url}/api/auth/me`, { headers: { cookie } })).status).toBe(200);
    back.close();
  }, 60_000);
});
