import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts } from '../integration/scheduling/scheduling-app.js';
import { connect, login, type TestPlatform } from '../support/test-platform.js';
import { endingOf, pause, statusOfMe as me, stillServed, TwoSessionNodes } from './session-sockets.js';

/*
 * A stolen or forgotten sign-in does not last: past its absolute lifetime it
 * is refused however busy it is, after its idle lifetime it is refused if
 * nothing used it, and either way its live connections (real Socket.IO
 * clients, on two server nodes sharing Redis) end with it — and only its own.
 * Lifetimes here are seconds long so the test can watch them pass.
 */

const MAX_SECONDS = 10;
const IDLE_SECONDS = 3;
/** How often a busy connection speaks: half the idle lifetime, and within its presence budget of 10 a minute. */
const PROBE_MS = 1500;
const hours = (seconds: number) => String(seconds / 3600);
// The createAccounts password.
const PASSWORD = 'not-used-by-these-tests';

let nodes: TwoSessionNodes;
let nodeA: TestPlatform;
let nodeB: TestPlatform;

async function person(): Promise<string> {
  const [account] = await createAccounts(nodeA, 'asn', 1, 'lifetime');
  return (await nodeA.platform.db.users.findById(account!.id))!.email;
}

const open = (node: TestPlatform, cookie: string) => nodes.open(node, cookie);

beforeAll(async () => {
  nodes = await TwoSessionNodes.start({ SESSION_MAX_HOURS: hours(MAX_SECONDS), SESSION_IDLE_HOURS: hours(IDLE_SECONDS) });
  ({ a: nodeA, b: nodeB } = nodes);
});
afterAll(() => nodes.close());

describe('the absolute lifetime', () => {
  it('refuses a sign-in past it even while it is in use all along, and ends its connections on both nodes — only its own', async () => {
    const email = await person();
    const busy = await login(nodeA.url, email, PASSWORD);
    const busyOnA = await open(nodeA, busy);
    const busyOnB = await open(nodeB, busy);
    const endings = [endingOf(busyOnA), endingOf(busyOnB)];
    // A second sign-in of the same person, a few seconds younger: it outlives the first.
    for (let i = 0; i < 6; i++) {
      expect(await me(nodeA, busy)).toBe(200);
      await pause(500);
    }
    const younger = await login(nodeB.url, email, PASSWORD);
    const youngerOnA = await open(nodeA, younger);

    const served: number[] = [];
    for (let i = 0; i < 60; i++) {
      const node = i % 2 === 0 ? nodeA : nodeB;
      const status = await me(node, busy);
      if (status !== 200) {
        expect(status).toBe(401);
        break;
      }
      served.push(Date.now());
      if (busyOnA.connected) await stillServed(busyOnA);
      // The younger one is kept busy through its connection only.
      expect(await stillServed(youngerOnA)).toBe(true);
      // Well inside the idle lifetime, and inside the presence requests' budget (request-budgets.ts).
      await pause(PROBE_MS);
    }
    // Used all along, it outlived its idle lifetime several times over — and still ended.
    expect(served.at(-1)! - served[0]!).toBeGreaterThan(IDLE_SECONDS * 1000);
    expect(await me(nodeB, busy)).toBe(401);

    for (const ending of await Promise.all(endings)) expect(ending).toEqual({ reason: 'expired', disconnect: 'io server disconnect' });
    expect(await stillServed(youngerOnA)).toBe(true);
    expect(await me(nodeA, younger)).toBe(200);
    await expect(connect(nodeA.url, busy)).rejects.toThrow(/unauthenticated/);
  });
});

describe('the idle lifetime', () => {
  it('ends a sign-in nobody uses, with its silent connection, while one whose connection is active goes on', async () => {
    const email = await person();
    const idle = await login(nodeA.url, email, PASSWORD);
    const active = await login(nodeA.url, email, PASSWORD);
    const idleSocket = await open(nodeB, idle);
    const activeSocket = await open(nodeB, active);
    const idleEnding = endingOf(idleSocket);

    // Only the active connection speaks (no REST at all); its events keep its sign-in alive.
    const started = Date.now();
    while (Date.now() - started < (IDLE_SECONDS + 2) * 1000) {
      expect(await stillServed(activeSocket)).toBe(true);
      await pause(PROBE_MS);
    }
    expect(await idleEnding).toEqual({ reason: 'expired', disconnect: 'io server disconnect' });
    expect(await me(nodeA, idle)).toBe(401);
    expect(await me(nodeA, active)).toBe(200);
  });
});
