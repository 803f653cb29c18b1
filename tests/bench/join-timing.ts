import type { BrowserContext, Page } from 'playwright-core';
import { BrowserHarness } from '../support/browser-harness.js';
import { startBareServer, type BareServer } from './bare/bare-server.js';
import { audioDecodedFrom } from './page-clock.js';

/**
 * Milliseconds from a click (made by `click`) to the first frame of the remote
 * video presented on screen (requestVideoFrameCallback on the app's remote video).
 */
export async function clickToFirstRemoteFrame(page: Page, click: () => Promise<void>): Promise<number> {
  await page.evaluate(() => {
    const w = window as unknown as { __firstFrame?: Promise<number> };
    w.__firstFrame = new Promise<number>((resolve) => {
      const watch = () => {
        const video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
        if (video && video.srcObject) video.requestVideoFrameCallback((now) => resolve(now));
        else requestAnimationFrame(watch);
      };
      watch();
    });
  });
  const t0 = await page.evaluate(() => performance.now());
  await click();
  const t1 = await page.evaluate(() => (window as unknown as { __firstFrame: Promise<number> }).__firstFrame);
  return t1 - t0;
}

/**
 * The bare baseline: one page produces; a fresh page joins `joins` times.
 * The producing page has a context (a window) of its own, as the app's host
 * has: a page opened beside it in one window would hide it, and a hidden
 * page answers key frame requests late (about 1.1 s, in most joins of an
 * earlier run), which made the floor slower than the app.
 */
export async function bareJoins(bare: BareServer, producerContext: BrowserContext, context: BrowserContext, joins: number): Promise<number[]> {
  const producer = await producerContext.newPage();
  await bare.expose(producer);
  await producer.goto(bare.url);
  await producer.evaluate(() => window.bareProduce());
  const times: number[] = [];
  for (let i = 0; i < joins; i++) {
    // A key frame request that follows the last key frame closely is ignored by the sender's encoder, and the SFU
    // asks again only a second later: joins back to back would measure that second (two of twenty did, at ~1.1 s),
    // not the floor. The app's runs are further apart than this (a leave and a lobby between them).
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, 1000));
    const joiner = await context.newPage();
    await bare.expose(joiner);
    await joiner.goto(bare.url);
    times.push(await joiner.evaluate(() => window.bareJoin()));
    await joiner.close();
  }
  await producer.close();
  return times;
}

/**
 * The circle's floor: a bare page per context (a window each, as the app's
 * circle pages have), each producing its microphone with a receive transport
 * already connected; the server tells all of them to go at once; the time
 * until every page decodes every other's audio, watched by the same poll as
 * the app's circle (d). No app, no lobby, no MLS, no E2EE.
 */
export async function bareCircle(bare: BareServer, contexts: BrowserContext[], runs: number): Promise<number[]> {
  const pages = await Promise.all(contexts.map((context) => context.newPage()));
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    // A reload ends the last run: the server closes the page's transports, so its producers, with its connection.
    for (const page of pages) {
      await page.goto(bare.url);
      await page.evaluate(() => window.bareCircleReady());
    }
    const watches = await Promise.all(pages.map((page) => audioDecodedFrom(page, pages.length - 1)));
    const go = bare.circleGo();
    const done = await Promise.all(watches.map((watch) => watch.at));
    times.push(Math.max(...done) - go);
  }
  for (const page of pages) await page.close();
  return times;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

/** Our app (in-process server, built web app, Chromium) and bare mediasoup, side by side for one benchmark. */
export async function startSideBySide(): Promise<{ h: BrowserHarness; bare: BareServer; close(): Promise<void> }> {
  const h = await BrowserHarness.start({ LOG_LEVEL: 'warn' });
  const bare = await startBareServer(process.env.MEDIASOUP_WORKER_BIN);
  return {
    h,
    bare,
    async close() {
      bare.close();
      await h.close();
    },
  };
}
