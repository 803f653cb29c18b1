import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoAccounts } from '@care/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, waitForInboundMedia } from '../support/browser.js';
import { recordFault } from '../support/fault-figures.js';
import { LossyLink } from '../support/lossy-link.js';
import { namespacesUsable } from '../support/network-namespace.js';
import { sfuTransports } from '../support/sfu-transports.js';
import { openSession, signIn } from '../support/session-flow.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * Issue 14, fault 6: the client's connection narrows to 100 kbit/s each way
 * for 20 s (tc tbf on both ends of its link; this kernel has no netem), then
 * comes back to full rate. What a person should feel: the voice goes on
 * (gaps under 1 s), the picture comes back within 5 s of the line
 * recovering. Both pages sample their own getStats every 100 ms; the figures
 * are the longest stretch without a new audio packet while the line is
 * narrow (and just after), and the time from full rate to video decoding
 * again at half the frame rate it had before (see videoBackAfter), on the
 * worse of the two sides.
 */

const [counselor, asn] = demoAccounts;
const webBuild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build');
const NARROW_KBIT = 100;
const NARROW_MS = 20_000;
const probe = namespacesUsable();
let link: LossyLink;
let t: TestPlatform;
const browsers: Browser[] = [];
let host: Page;
let client: Page;

interface Sample {
  at: number;
  audio: number;
  frames: number;
  /** Each open peer connection's ICE state, for a failure's message. */
  ice: string;
}

/** Starts sampling this page's inbound audio packets and decoded frames every 100 ms, in the page. */
async function startSampling(page: Page): Promise<void> {
  await page.evaluate(() => {
    const samples: Array<{ at: number; audio: number; frames: number; ice: string }> = [];
    (window as unknown as { __faultSamples: typeof samples }).__faultSamples = samples;
    setInterval(async () => {
      let audio = 0;
      let frames = 0;
      const ice: string[] = [];
      for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
        if (pc.connectionState === 'closed') continue;
        ice.push(pc.iceConnectionState);
        (await pc.getStats()).forEach((s: { type: string; kind?: string; ssrc?: number; packetsReceived?: number; framesDecoded?: number }) => {
          if (s.type !== 'inbound-rtp' || s.ssrc === 1234) return;
          if (s.kind === 'audio') audio += s.packetsReceived ?? 0;
          if (s.kind === 'video') frames += s.framesDecoded ?? 0;
        });
      }
      samples.push({ at: Date.now(), audio, frames, ice: ice.join('/') });
    }, 100);
  });
}

const samplesOf = (page: Page) => page.evaluate(() => (window as unknown as { __faultSamples: Sample[] }).__faultSamples);

/** The longest time in [from, to] with no new audio packet. */
function longestAudioGap(samples: Sample[], from: number, to: number): number {
  let longest = 0;
  let lastNew = from;
  let previous: Sample | undefined;
  for (const sample of samples) {
    if (previous && sample.audio > previous.audio && sample.at >= from) lastNew = sample.at;
    if (sample.at >= from && sample.at <= to) longest = Math.max(longest, sample.at - lastNew);
    previous = sample;
  }
  return longest;
}

/** Frames decoded per second over [from, to]. */
function frameRate(samples: Sample[], from: number, to: number): number {
  const first = samples.find((sample) => sample.at >= from);
  const last = samples.findLast((sample) => sample.at <= to);
  return first && last && last.at > first.at ? ((last.frames - first.frames) * 1000) / (last.at - first.at) : 0;
}

/**
 * From `from`, how long until the picture is back: the first moment after
 * which each of the next three seconds decodes at least half the frame rate
 * this side had before the line narrowed (what this machine gives, loaded or
 * not, rather than a fixed rate it may never reach).
 */
function videoBackAfter(samples: Sample[], from: number, settledFps: number): number | undefined {
  const wanted = Math.max(1, settledFps / 2);
  for (const sample of samples.filter((s) => s.at >= from)) {
    const seconds = [0, 1, 2].map((i) => frameRate(samples, sample.at + i * 1000, sample.at + (i + 1) * 1000));
    if (samples.at(-1)!.at < sample.at + 3000) return undefined;
    if (seconds.every((fps) => fps >= wanted)) return sample.at - from;
  }
  return undefined;
}

beforeAll(async () => {
  // Namespaces and tc need root; the test says so rather than pass quietly without them.
  if (!probe.usable) throw new Error(`network namespaces are not usable here: ${probe.why}`);
  link = await LossyLink.create();
  t = await startTestPlatform({ WEB_BUILD_DIR: webBuild, LOG_LEVEL: 'info', HOST: link.hostAddress, MEDIA_LISTEN_IP: link.hostAddress });
  const origin = `http://${link.hostAddress}:${t.platform.port}`;
  const secure = [`--unsafely-treat-insecure-origin-as-secure=${origin}`];
  const here = await launchChromium({ extraArgs: secure });
  const there = await launchChromium({ extraArgs: secure, executablePath: link.chromiumPath });
  browsers.push(here, there);
  host = (await signIn(here, origin, counselor.email, counselor.password)).page;
  await openSession(host);
  client = (await signIn(there, origin, asn.email, asn.password)).page;
  await openSession(client);
  await host.getByTestId('admit').click();
  await client.getByTestId('remote-video').waitFor();
  expect((await waitForInboundMedia(client)).videoFramesDecoded).toBeGreaterThan(0);
  expect((await waitForInboundMedia(host)).videoFramesDecoded).toBeGreaterThan(0);
}, 180_000);

afterAll(async () => {
  for (const browser of browsers) await browser.close().catch(() => undefined);
  await t?.close();
  await link?.close();
});

describe('a line that narrows to 100 kbit/s for 20 s', () => {
  it('keeps the voice going, still encrypted, and measures how soon the picture comes back', { timeout: 300_000 }, async (context) => {
    await startSampling(host);
    await startSampling(client);
    // A settled call first (the bandwidth estimate up to full rate).
    await host.waitForTimeout(5000);
    const settled = await Promise.all([host, client].map(async (page) => {
      const samples = await samplesOf(page);
      return frameRate(samples, Date.now() - 5000, Date.now());
    }));
    // ICE credentials now: a narrow line is not a moved address, and must not be restarted (ice-recovery.ts).
    const room = async () => t.platform.media.get(String((await t.platform.db.connection.collection('appointments').findOne({}))?.roomId));
    const credentials = async () => sfuTransports(await room()).map((transport) => transport.ufrag).sort();
    const credentialsBefore = await credentials();
    expect(credentialsBefore).toHaveLength(4);
    const narrowedAt = Date.now();
    await link.setRate(NARROW_KBIT);
    await host.waitForTimeout(NARROW_MS);
    const droppedWhileNarrow = await link.rateDrops().catch((error: unknown) => String(error));
    const restoredAt = Date.now();
    await link.setRate(undefined);
    // Video back on both sides, waited for up to a minute (twelve times the goal). Its time is the figure, not a pass/fail: how
    // fast the SFU's downlink estimate climbs back is the open problem this test measures (ARCHITECTURE.md,
    // "Faults, measured"); a picture not back by then is reported as such.
    const VIDEO_WAIT_MS = 60_000;
    const bothBack = async () => (await Promise.all([host, client].map(samplesOf))).every((samples, i) => videoBackAfter(samples, restoredAt, settled[i]!) !== undefined);
    while (!(await bothBack()) && Date.now() - restoredAt < VIDEO_WAIT_MS) await host.waitForTimeout(1000);

    const sides = await Promise.all([host, client].map(samplesOf));
    // The voice while narrow and in the 5 s after: each page went on receiving audio.
    for (const [i, samples] of sides.entries()) {
      const during = samples.filter((s) => s.at > narrowedAt && s.at < restoredAt);
      // What a failure needs to be read: which side, how its audio counter and ICE went, what tc dropped.
      const seen = during.filter((_, k) => k % 20 === 0).map((s) => `${s.at - narrowedAt}ms:${s.audio}:${s.ice}`);
      const why = `${i === 0 ? 'counselor' : 'client'} page while narrow (ms:audio packets:ice) ${seen.join(' ')}; tc dropped ${droppedWhileNarrow}`;
      expect(during.at(-1)!.audio - during[0]!.audio, why).toBeGreaterThan(0);
    }
    const audioGapMs = Math.max(...sides.map((samples) => longestAudioGap(samples, narrowedAt, restoredAt + 5000)));
    const backs = sides.map((samples, i) => videoBackAfter(samples, restoredAt, settled[i]!));
    const videoBack = backs.every((ms) => ms !== undefined) ? Math.max(...(backs as number[])) / 1000 : `not_back_in_${VIDEO_WAIT_MS / 1000}s`;
    // What each side decoded, every 2 s from 5 s before the narrowing: the shape behind the figure.
    for (const [i, samples] of sides.entries()) {
      const fps = [];
      for (let at = restoredAt - 25_000; at < restoredAt + 40_000; at += 2000) {
        const a = samples.find((s) => s.at >= at);
        const b = samples.find((s) => s.at >= at + 2000);
        if (a && b) fps.push(((b.frames - a.frames) / 2).toFixed(0));
      }
      console.log(`low-bandwidth: side=${i === 0 ? 'counselor' : 'client'} settled_fps=${settled[i]!.toFixed(1)} back_ms=${videoBackAfter(samples, restoredAt, settled[i]!) ?? 'never'} fps_every_2s_from_-25s=${fps.join(',')}`);
    }
    recordFault(context, { lowbw_audio_gap_s: audioGapMs / 1000, lowbw_video_back_s: videoBack });
    // No ICE restart through it all: the slow line was not taken for a dead path.
    expect(await credentials()).toEqual(credentialsBefore);
    // Still end-to-end encrypted after all that.
    for (const page of [host, client]) expect(await page.getByTestId('encryption').getAttribute('data-state')).toMatch(/encrypted|verified/);
  });
});
