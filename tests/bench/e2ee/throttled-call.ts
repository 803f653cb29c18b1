import type { Browser, CDPSession, Page } from 'playwright-core';
import { newMediaContext } from '../../support/browser.js';
import type { BrowserHarness } from '../../support/browser-harness.js';
import { encryptionState } from '../../support/session-flow.js';
import type { PlainCallWindow, PlainMedia } from './plain-call.page.js';
import { startPlainCallServer } from './plain-call-server.js';

/**
 * A 1:1 call on phone-class CPUs: on a phone-sized viewport (so the app asks
 * the SFU for the 640×360 layer, as a phone would), the video frames each
 * side decodes counted from getStats over a window, first as the machine
 * runs the call, then with each page's CPU throttled 4× through the DevTools
 * protocol (Emulation.setCPUThrottlingRate).
 *
 * What the throttling covers: Chromium slows the page's main thread, on
 * Linux by interrupting it every 200 µs and busy-waiting three times as long
 * as it ran, idle or not (an idle throttled page burned about half a core
 * here). Workers (the frame crypto worker too), the codecs and WebCrypto run
 * on other threads and are not slowed, but share the cores with that spin;
 * the app's JavaScript, MLS, rendering and WebRTC's main-thread work are
 * slowed.
 */

export const CPU_THROTTLING_RATE = 4;
/** A common low-end Android phone's viewport in CSS pixels. */
export const PHONE_VIEWPORT = { width: 360, height: 800 };
/** The goal's picture: 640×360. */
const GOAL_HEIGHT = 360;
const LAYER_WAIT_MS = 30_000;
const SETTLE_MS = 6000;
const WINDOW_MS = 12_000;

export interface DecodedVideo {
  /** Video frames decoded per second over the window. */
  fps: number;
  width: number;
  height: number;
  /** Frames per second the other side encoded in the layer this side received (the most it could decode). */
  sentFps: number;
}

/** A call measured twice in a row: first as the machine runs it, then throttled. */
export interface CallRates {
  unthrottled: CallFigures;
  throttled: CallFigures;
}

/** Waits (within reason) until both pages decode the layer of the goal: the SFU and the app's view choice take a moment. */
async function untilDecoding(pages: [Page, Page], height: number): Promise<void> {
  const deadline = Date.now() + LAYER_WAIT_MS;
  while (Date.now() < deadline) {
    const stats = await Promise.all(pages.map(videoStats));
    if (stats.every((s) => s.inbound.height === height)) return;
    await pages[0].waitForTimeout(500);
  }
}

async function measureBoth(pages: [Page, Page]): Promise<CallRates> {
  await untilDecoding(pages, GOAL_HEIGHT);
  const unthrottled = await measure(pages, 1);
  return { unthrottled, throttled: await measure(pages, CPU_THROTTLING_RATE) };
}

export interface CallFigures {
  /** The first page's decoding of the second's video, and the second's of the first's. */
  directions: [DecodedVideo, DecodedVideo];
  /** The slower direction. */
  fps: number;
  /** Share of the window each page's main thread spent in tasks (throttled time included). */
  mainThreadBusy: [number, number];
}

interface VideoStats {
  inbound: { framesDecoded: number; timestamp: number; width: number; height: number };
  /** Frames encoded so far per outbound layer, by its height. */
  outboundByHeight: Record<number, { framesEncoded: number; timestamp: number }>;
}

async function videoStats(page: Page): Promise<VideoStats> {
  return page.evaluate(async () => {
    const result: VideoStats = { inbound: { framesDecoded: 0, timestamp: 0, width: 0, height: 0 }, outboundByHeight: {} };
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; ssrc?: number; framesDecoded?: number; framesEncoded?: number; frameWidth?: number; frameHeight?: number; timestamp: number }) => {
        if (s.kind !== 'video') return;
        // mediasoup's bandwidth probation stream (padding only, SSRC 1234) is not media.
        if (s.type === 'inbound-rtp' && s.ssrc !== 1234 && (s.framesDecoded ?? 0) >= result.inbound.framesDecoded) {
          result.inbound = { framesDecoded: s.framesDecoded ?? 0, timestamp: s.timestamp, width: s.frameWidth ?? 0, height: s.frameHeight ?? 0 };
        }
        if (s.type === 'outbound-rtp' && s.frameHeight) result.outboundByHeight[s.frameHeight] = { framesEncoded: s.framesEncoded ?? 0, timestamp: s.timestamp };
      });
    }
    return result;
  });
}

/** Seconds the page's main thread has spent in tasks so far (DevTools Performance metrics). */
async function mainThreadSeconds(session: CDPSession): Promise<number> {
  const { metrics } = await session.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
}

/**
 * Sets both pages' CPU throttling, lets the call settle, then counts decoded
 * frames both ways over the window. The DevTools sessions stay open until the
 * window is over: Chromium ends the throttling when its session detaches.
 */
async function measure(pages: [Page, Page], throttling: number): Promise<CallFigures> {
  const sessions = await Promise.all(pages.map((page) => page.context().newCDPSession(page)));
  try {
    for (const session of sessions) {
      await session.send('Emulation.setCPUThrottlingRate', { rate: throttling });
      await session.send('Performance.enable');
    }
    await pages[0].waitForTimeout(SETTLE_MS);
    const started = Date.now();
    const busyBefore = await Promise.all(sessions.map(mainThreadSeconds));
    const before = await Promise.all(pages.map(videoStats));
    await pages[0].waitForTimeout(WINDOW_MS);
    const after = await Promise.all(pages.map(videoStats));
    const busyAfter = await Promise.all(sessions.map(mainThreadSeconds));
    const seconds = (Date.now() - started) / 1000;
    const figures = fromStats(before, after);
    return { ...figures, mainThreadBusy: [0, 1].map((i) => (busyAfter[i]! - busyBefore[i]!) / seconds) as [number, number] };
  } finally {
    await Promise.all(sessions.map((session) => session.detach().catch(() => undefined)));
  }
}

function fromStats(before: VideoStats[], after: VideoStats[]): Omit<CallFigures, 'mainThreadBusy'> {
  const rate = (count: number, ms: number) => (ms > 0 ? (count * 1000) / ms : 0);
  const direction = (receiver: 0 | 1): DecodedVideo => {
    const sender = receiver === 0 ? 1 : 0;
    const [b, a] = [before[receiver]!.inbound, after[receiver]!.inbound];
    const sentBefore = before[sender]!.outboundByHeight[a.height];
    const sentAfter = after[sender]!.outboundByHeight[a.height];
    return {
      fps: rate(a.framesDecoded - b.framesDecoded, a.timestamp - b.timestamp),
      width: a.width,
      height: a.height,
      sentFps: sentBefore && sentAfter ? rate(sentAfter.framesEncoded - sentBefore.framesEncoded, sentAfter.timestamp - sentBefore.timestamp) : 0,
    };
  };
  const directions: [DecodedVideo, DecodedVideo] = [direction(0), direction(1)];
  return { directions, fps: Math.min(directions[0].fps, directions[1].fps) };
}

/** What the app's page sends: its camera's settings and its video sender's encodings (the control copies them). */
async function appMedia(page: Page): Promise<PlainMedia> {
  return page.evaluate(() => {
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      for (const sender of pc.getSenders()) {
        if (sender.track?.kind !== 'video') continue;
        const settings = sender.track.getSettings();
        return {
          video: { width: settings.width ?? 1280, height: settings.height ?? 720, frameRate: settings.frameRate ?? 24 },
          encodings: sender.getParameters().encodings.map((e) => ({ rid: e.rid, scaleResolutionDownBy: e.scaleResolutionDownBy, maxBitrate: e.maxBitrate, active: e.active })),
        };
      }
    }
    throw new Error('the app sends no video');
  });
}

/** The app's 1:1 session with E2EE on phone-sized pages, unthrottled then throttled. Returns the figures and the media the control should copy. */
export async function appCall(h: BrowserHarness): Promise<{ figures: CallRates; media: PlainMedia; spatialLayer: number }> {
  const { host, client } = await h.sessionPair();
  try {
    for (const page of [host.page, client.page]) await page.setViewportSize(PHONE_VIEWPORT);
    const figures = await measureBoth([host.page, client.page]);
    for (const page of [host.page, client.page]) {
      const state = await encryptionState(page);
      if (state !== 'encrypted' && state !== 'verified') throw new Error(`the call was not end-to-end encrypted (${state})`);
    }
    const media = await appMedia(host.page);
    // The control asks the SFU for the app's 640×360 layer, as the app's page does on a phone.
    const spatialLayer = media.encodings.findIndex((e) => Math.round(media.video.height / (e.scaleResolutionDownBy ?? 1)) === GOAL_HEIGHT);
    if (spatialLayer < 0) throw new Error(`the app sends no ${GOAL_HEIGHT}p layer`);
    return { figures, media, spatialLayer };
  } finally {
    await Promise.all([host.context.close(), client.context.close()]);
  }
}

/** The control: the same media through bare mediasoup pages, without the app or E2EE, on the same pages sizes, unthrottled then throttled. */
export async function plainCall(browser: Browser, workerBin: string | undefined, media: PlainMedia, spatialLayer: number): Promise<CallRates> {
  const server = await startPlainCallServer(workerBin);
  const contexts = await Promise.all(['a', 'b'].map(() => newMediaContext(browser, server.url)));
  try {
    const pages: Page[] = [];
    for (const context of contexts) {
      const page = await context.newPage();
      await page.setViewportSize(PHONE_VIEWPORT);
      await server.expose(page);
      await page.goto(server.url);
      await page.waitForFunction(() => 'plainSend' in window);
      pages.push(page);
    }
    const [a, b] = pages as [Page, Page];
    await a.evaluate((media) => (window as unknown as PlainCallWindow).plainSend('a', media), media);
    await b.evaluate((media) => (window as unknown as PlainCallWindow).plainSend('b', media), media);
    await a.evaluate((layer) => (window as unknown as PlainCallWindow).plainReceive('a', 'b', layer), spatialLayer);
    await b.evaluate((layer) => (window as unknown as PlainCallWindow).plainReceive('b', 'a', layer), spatialLayer);
    return await measureBoth([a, b]);
  } finally {
    await Promise.all(contexts.map((c) => c.close()));
    server.close();
  }
}
