import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { backAfter, freePort, liveOneToOne } from '../support/back-in-room.js';
import { launchChromium } from '../support/browser.js';
import { FailoverProxy } from '../support/failover-proxy.js';
import { recordFault } from '../support/fault-figures.js';
import { safetyCode } from '../support/group-view.js';
import { MediaNodeProcess } from '../support/media-node-process.js';
import { namespacesUsable } from '../support/network-namespace.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { encryptionState } from '../support/session-flow.js';

/*
 * Issue 14, fault 2: a signal node dies (SIGKILL: nothing closed, nothing
 * said) under a live 1:1. Two signal nodes (CARE_ROLE=signal, separate
 * processes) share Redis and the database behind a balancer that sends each
 * new connection to the first node that takes it, so both pages are on the
 * first; the room's media is on a media node (CARE_ROLE=media, in its own
 * network namespace), which outlives the signal node. The pages' sockets
 * reconnect through the balancer to the other signal node, which did not
 * know them, and they are back in the room: a new MLS epoch (a new safety
 * code, the same on both screens), end-to-end encrypted, decoding each
 * other's video again. The figure is the time from the kill to the later of
 * the two pages doing all of that (goal < 10 s).
 */
const probe = namespacesUsable();
let media: MediaNodeProcess;
let first: ServerProcess;
let second: ServerProcess;
let proxy: FailoverProxy;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // The same database and Redis, the same keys and the one address people use, as nodes of one deployment have.
  // Namespaces need root; the test says so rather than pass quietly without them.
  if (!probe.usable) throw new Error(`network namespaces are not usable here: ${probe.why}`);
  const secret = randomBytes(32).toString('base64');
  // A Redis database of its own: the media-node registry is global to a database.
  const redisUrl = `${inject('redisUrl').replace(/\/+$/, '')}/7`;
  media = await MediaNodeProcess.start(2, redisUrl, { MEDIA_CONTROL_SECRET: secret });
  proxy = await FailoverProxy.start();
  const shared = {
    CARE_ROLE: 'signal',
    MEDIA_CONTROL_SECRET: secret,
    REDIS_URL: redisUrl,
    PUBLIC_URL: proxy.url,
    MONGODB_DB: `care_e2e_${randomBytes(4).toString('hex')}`,
    RATE_LIMIT_KEY: randomBytes(32).toString('base64'),
    TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  };
  const ports = [await freePort(), await freePort()];
  first = await startServerProcess({ ...shared, PORT: String(ports[0]) });
  second = await startServerProcess({ ...shared, PORT: String(ports[1]) });
  proxy.targets = ports.map((port) => ({ host: '127.0.0.1', port }));
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await proxy?.close();
  await second?.stop();
  await first?.crash();
  await media?.stop();
});

describe('a signal node is killed under a live 1:1', () => {
  it('both pages reconnect to the other signal node and are back in the room, on a new MLS epoch, decoding each other', { timeout: 240_000 }, async (context) => {
    const { host, client, before } = await liveOneToOne(browser, proxy.url, contexts);

    const killedAt = Date.now();
    await first.crash();
    // While it is away, the pages say so rather than freeze.
    await host.locator('[data-testid="connection-state"]:not([data-state="connected"])').waitFor({ timeout: 15_000 });
    const [hostBack, clientBack] = await Promise.all([backAfter(host, before, killedAt, 90_000), backAfter(client, before, killedAt, 90_000)]);
    const seconds = Math.max(hostBack, clientBack) / 1000;
    recordFault(context, { signal_node_s: seconds });
    console.log(`signal node loss: host back ${(hostBack / 1000).toFixed(2)} s, client back ${(clientBack / 1000).toFixed(2)} s`);

    // One group again: the same new code on both screens.
    expect(await safetyCode(client)).toBe(await safetyCode(host));
    expect(await safetyCode(host)).not.toBe(before);
    expect(await encryptionState(host)).toBe('encrypted');
    expect(await encryptionState(client)).toBe('encrypted');
  });
});
