import { createServer, type AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { inboundMedia } from './browser.js';
import { safetyCode } from './group-view.js';
import { encryptionState } from './session-flow.js';

/*
 * A page back in its room after the node it was on went away (killed, or
 * cut off with the old Redis primary): shared by the signal-node fault tests.
 */

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
