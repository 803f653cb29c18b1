import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveOneToOne } from '../support/back-in-room.js';
import { launchChromium } from '../support/browser.js';
import { RouteBalancer } from '../support/route-balancer.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * Two signal nodes of one deployment behind a balancer that does not keep a
 * session's pages together (issue 14): each page's session socket carries
 * `route=<session id>` for a balancer to hash on, but this one sends the
 * client's first session connection to the other node. A room's roster and
 * MLS delivery live on one node, so seated there the client would wait
 * alone, with no key, for ever. Instead that node refuses it a seat
 * ('wrong_node'), the page connects again, lands on the node that serves
 * the session, and the 1:1 goes on as on one node: both pages in one room,
 * end-to-end encrypted on one safety code, decoding each other.
 */

let a: TestPlatform;
let b: TestPlatform;
let balancer: RouteBalancer;
let browser: Browser;
const contexts: BrowserContext[] = [];
let routedSockets = 0;
const webBuild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build');
/** The one address people use (localhost: a secure context for WebCrypto and workers). */
const front = () => balancer.url.replace('127.0.0.1', 'localhost');

beforeAll(async () => {
  balancer = await RouteBalancer.start(({ websocket, route }) => {
    if (!websocket || route === undefined) return 0;
    routedSockets += 1;
    // The counselor's session page opens first and goes to node 0; the client's first try goes to node 1.
    return routedSockets === 2 ? 1 : 0;
  });
  const shared = {
    PUBLIC_URL: front(),
    WEB_BUILD_DIR: webBuild,
    LOG_LEVEL: 'info',
    RATE_LIMIT_KEY: randomBytes(32).toString('base64'),
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  a = await startTestPlatform(shared);
  b = await startTestPlatform({ ...shared, MONGODB_DB: a.dbName, SEED_DEMO: 'false' });
  balancer.targets = [a, b].map((t) => ({ host: '127.0.0.1', port: t.platform.port }));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await balancer?.close();
  await b?.close();
  await a?.close();
});

describe('a 1:1 whose client first reaches the other signal node', () => {
  it('is refused a seat there, connects again to the node serving the session, and the call is one encrypted room', { timeout: 240_000 }, async () => {
    const { host } = await liveOneToOne(browser, front(), contexts);

    const sessionId = new URL(host.url()).pathname.split('/').at(-1) ?? '';
    const sessionSockets = balancer.seen.filter((request) => request.websocket && request.route !== undefined);
    // Every session socket named its session for the balancer, and the client's first went to node 1.
    expect(new Set(sessionSockets.map((request) => request.route))).toEqual(new Set([sessionId]));
    expect(sessionSockets.map((request) => request.node).slice(0, 3)).toEqual([0, 1, 0]);
    expect(b.logs.some((line) => line.includes('seat refused'))).toBe(true);

    // Everyone on node 0, nothing of the room on node 1.
    const rooms = [...new Set(a.logs.filter((line) => line.includes('"msg":"peer joined"')).map((line) => (JSON.parse(line) as { roomId: string }).roomId))];
    expect(rooms).toHaveLength(1);
    const room = rooms[0] ?? '';
    expect(a.platform.live.rooms.peersIn(room)).toHaveLength(2);
    expect(a.platform.live.serving.holds(room)).toBe(true);
    expect(b.platform.live.rooms.hasAnyoneIn(room)).toBe(false);
    expect(b.platform.mediaRooms.get(room)).toBeUndefined();
  });
});
