import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { newMediaContext } from '../support/browser.js';
import type { BrowserHarness } from '../support/browser-harness.js';
import type { BareServer } from './bare/bare-server.js';
import { bareJoins, clickToFirstRemoteFrame, percentile, startSideBySide } from './join-timing.js';

/*
 * bench:e2ee — in one run:
 *  1. per-frame time of the real frame crypto worker (SFrame seal on the sender, open on
 *     the receiver) on the video of a live call in Chromium, against plain WebCrypto
 *     AES-GCM on frames of the same size (the baseline), and the bytes SFrame adds;
 *  2. join to first remote frame shown (requestVideoFrameCallback): our app (lobby admitted, MLS join, E2EE)
 *     against a bare mediasoup page (no auth, no DB, no E2EE) on the same machine.
 */

const JOINS = 9;

let h: BrowserHarness;
let bare: BareServer;
let stop: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ h, bare, close: stop } = await startSideBySide());
}, 120_000);

afterAll(() => stop?.());


interface VideoCounts {
  frames: number;
  busyMs: number;
  bytesIn: number;
  bytesOut: number;
}

/** Test-only: keep the frame worker's latest counts per track (no hook in the app). */
async function captureWorkerCounts(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const latest: Record<string, unknown> = {};
    (window as unknown as { __workerCounts: Record<string, unknown> }).__workerCounts = latest;
    const NativeWorker = window.Worker;
    window.Worker = class extends NativeWorker {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args);
        this.addEventListener('message', (event: MessageEvent<{ kind?: string; tracks?: Array<{ trackId: string }> }>) => {
          if (event.data.kind === 'counts') for (const track of event.data.tracks ?? []) latest[track.trackId] = track;
        });
      }
    };
  });
}

/** The video tracks' counts of one operation, summed over the page's tracks. */
async function videoCounts(page: Page, operation: 'encrypt' | 'decrypt'): Promise<VideoCounts> {
  return page.evaluate((operation) => {
    const all = Object.values((window as unknown as { __workerCounts: Record<string, VideoCounts & { operation: string; bytesIn: number }> }).__workerCounts);
    // Video frames are the large ones; audio (Opus) frames are a few dozen bytes.
    const video = all.filter((c) => c.operation === operation && c.frames > 0 && c.bytesIn / c.frames > 400);
    return video.reduce((sum, c) => ({ frames: sum.frames + c.frames, busyMs: sum.busyMs + c.busyMs, bytesIn: sum.bytesIn + c.bytesIn, bytesOut: sum.bytesOut + c.bytesOut }), { frames: 0, busyMs: 0, bytesIn: 0, bytesOut: 0 });
  }, operation);
}

/** Baseline: plain WebCrypto AES-128-GCM seal + open of frames of the given size, in the same page. */
async function plainAesGcmUs(page: Page, frameBytes: number, frames: number): Promise<number> {
  return page.evaluate(
    async ({ frameBytes, frames }) => {
      const key = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(16)), 'AES-GCM', false, ['encrypt', 'decrypt']);
      const frame = new Uint8Array(frameBytes);
      for (let o = 0; o < frameBytes; o += 65_536) crypto.getRandomValues(frame.subarray(o, Math.min(frameBytes, o + 65_536)));
      const iv = new Uint8Array(12);
      const start = performance.now();
      for (let i = 0; i < frames; i++) {
        const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, frame);
        await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, sealed);
      }
      return ((performance.now() - start) * 1000) / frames;
    },
    { frameBytes, frames },
  );
}

it('e2ee benchmark', { timeout: 600_000 }, async ({ task }) => {
  const { host, client } = await h.sessionPair({ prepare: captureWorkerCounts });
  await client.page.waitForTimeout(8000);
  const sealed = await videoCounts(host.page, 'encrypt');
  const opened = await videoCounts(client.page, 'decrypt');
  expect(sealed.frames).toBeGreaterThan(60);
  expect(opened.frames).toBeGreaterThan(60);
  const usPerFrame = (sealed.busyMs / sealed.frames + opened.busyMs / opened.frames) * 1000;
  const bytesPerFrame = (sealed.bytesOut - sealed.bytesIn) / sealed.frames;
  const averageFrame = Math.round(sealed.bytesIn / sealed.frames);
  const baselineUs = await plainAesGcmUs(host.page, averageFrame, 300);

  // 2a. Join to first decoded frame in our app: the (already admitted) client joins again and again.
  const sessionUrl = client.page.url();
  const app: number[] = [];
  for (let i = 0; i < JOINS; i++) {
    await client.page.goto(sessionUrl);
    await client.page.getByTestId('devices-ready').waitFor();
    app.push(await clickToFirstRemoteFrame(client.page, () => client.page.getByTestId('devices-ready').click()));
  }

  // 2b. Bare mediasoup: one page produces, another joins again and again.
  const bareContext = h.track(await newMediaContext(h.browser, bare.url));
  const plain = await bareJoins(bare, bareContext, JOINS);

  const appMs = percentile(app, 50);
  const plainMs = percentile(plain, 50);
  (task.meta as { summary?: string[] }).summary = [
    `frame crypto (real call, ${sealed.frames} video frames of ~${averageFrame} B): sframe_worker_us=${usPerFrame.toFixed(1)} plain_aes_gcm_main_thread_us=${baselineUs.toFixed(1)} ratio=${(usPerFrame / baselineUs).toFixed(2)}`,
    `join to first remote frame: app_e2ee_p50_ms=${appMs.toFixed(0)} bare_p50_ms=${plainMs.toFixed(0)} (${JOINS} joins each; app ${app.map((v) => v.toFixed(0)).join(',')}; bare ${plain.map((v) => v.toFixed(0)).join(',')})`,
    `e2ee: us_per_frame=${usPerFrame.toFixed(1)} bytes_per_frame=${bytesPerFrame.toFixed(1)} join_e2ee_vs_plain=${(appMs / plainMs).toFixed(2)}`,
  ];
});
