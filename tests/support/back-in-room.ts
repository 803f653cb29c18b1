import { demoAccounts } from '@care/server';
import { createServer, type AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { inboundMedia } from './browser.js';
import { safetyCode } from './group-view.js';
import { encryptionState, openSession, signIn } from './session-flow.js';

/*
 * A page back in its room after the node it was on went away (killed, or
 * cut off with the old Redis primary): shared by the signal-node fault tests.
 */

/**
 * The demo 1:1 live through `baseUrl` (the balancer): the counselor and the
 * ASN signed in, the ASN admitted, both pages encrypted and decoding each
 * other's video, on one safety code (returned as `before`). Each page's
 * context is added to `contexts`, for the caller to close.
 */
export async function liveOneToOne(browser: Browser, baseUrl: string, contexts: BrowserContext[]): Promise<{ host: Page; client: Page; before: string | null }> {
  const [counselor, asn] = demoAccounts;
  const enter = async (email: string, password: string) => {
    const { context, page } = await signIn(browser, baseUrl, email, password);
    contexts.push(context);
    await openSession(page);
    return page;
  };
  const host = await enter(counselor.email, counselor.password);
  const client = await enter(asn.email, asn.password);
  await host.getByTestId('admit').click();
  for (const page of [host, client]) {
    await page.getByTestId('remote-video').waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 60_000 });
    await expect.poll(() => framesDecoded(page), { timeout: 60_000 }).toBeGreaterThan(10);
  }
  const before = await safetyCode(host);
  expect(before).toMatch(/^\d{5}( \d{5}){5}$/);
  expect(await safetyCode(client)).toBe(before);
  return { host, client, before };
}

/** Video frames this page decoded so far, over its open peer connections. */
export const framesDecoded = async (page: Page) => (await inboundMedia(page)).videoFramesDecoded;

/**
 * Resolves with the time (ms since `since`) at which this page is back: its
 * screen says encrypted with a safety code other than `before`, and video
 * frames are being decoded again (the count rising within a second: the old
 * media path died with the node, so only the new one can make it rise).
 */
export async function backAfter(page: Page, before: string | null, since: number, timeoutMs: number): Promise<number> {
  const deadline = since + timeoutMs;
  let last = await framesDecoded(page).catch(() => 0);
  let lastAt = Date.now();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const frames = await framesDecoded(page).catch(() => 0);
    const rising = frames > last;
    if (Date.now() - lastAt > 1000 || rising) {
      last = frames;
      lastAt = Date.now();
    }
    if (!rising) continue;
    if ((await encryptionState(page)) !== 'encrypted') continue;
    const code = await safetyCode(page).catch(() => null);
    if (code && code !== before) return Date.now() - since;
  }
  throw new Error(`the page was not back within ${timeoutMs} ms`);
}

/** A loopback port free now (each signal node is told its own: with PUBLIC_URL set, a node names only that). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
