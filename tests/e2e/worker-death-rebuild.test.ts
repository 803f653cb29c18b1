import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { decodedStreams } from '../support/decoded-streams.js';
import { FirstPacketTap } from '../support/first-packet-tap.js';
import { safetyCode } from '../support/group-view.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { tappedFrames } from '../support/sealed-frames.js';
import { encryptionState } from '../support/session-flow.js';
import { framesOpenedBy } from '../support/sframe-attempt.js';

/*
 * Issue 14: the all-in-one server's only mediasoup worker dies (SIGKILL, as a
 * crash or the kernel's OOM killer would) under a live encrypted 1:1. The
 * pool starts a replacement; the room gets a router on it and both people
 * are added there as they were; each page is told its media moved
 * (room:media-moved) and makes its transports and producers again. Nobody
 * leaves or rejoins: the same two peers, the same MLS group and its keys
 * (the same safety code on both screens, never a new epoch), and both
 * decode each other's video again. One worker is the hard case: nothing
 * runs until the replacement does. A spy on the replacement worker sees
 * every producer the pages make there from its first packet: what a move
 * makes anew leaves the browser sealed with the group's keys, as at the start.
 */

let h: BrowserHarness;
let tap: FirstPacketTap | undefined;

beforeAll(async () => {
  h = await BrowserHarness.start({ MEDIA_WORKERS: '1' });
}, 180_000);

afterAll(async () => {
  tap?.close();
  await h?.close();
});

const logged = (message: string) => h.t.logs.filter((line) => line.includes(`"msg":"${message}"`)).length;

describe('the media worker dies under a live 1:1', () => {
  it('rebuilds the room on its replacement: the same seats, group and safety code, decoding again', { timeout: 240_000 }, async () => {
    const { host, client } = await h.sessionPair({ prepare: withKeyCapture });
    const pages: Page[] = [host.page, client.page];
    for (const page of pages) {
      await expect.poll(() => encryptionState(page), { timeout: 60_000, interval: 250 }).toBe('encrypted');
      await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
    }
    const before = await safetyCode(host.page);
    expect(await safetyCode(client.page)).toBe(before);
    const joinedBefore = logged('peer joined');
    const [worker] = h.t.platform.pool.running();
    if (!worker) throw new Error('no media worker is running');
    const pid = worker.worker.pid;

    // The spy is on the replacement before anything can be made on it (the pool says so in the tick it is in place).
    h.t.platform.pool.once('workerReplaced', (index) => {
      const replacement = h.t.platform.pool.running().find((slot) => slot.index === index);
      if (replacement) tap = FirstPacketTap.watch(replacement.worker);
    });
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    // A new worker runs, and both pages decode each other's video through it.
    await expect.poll(() => h.t.platform.pool.running().map((slot) => slot.worker.pid), { timeout: 30_000, interval: 100 }).not.toContain(pid);
    for (const page of pages) await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 250 }).toBe(1);
    console.log(`worker death: both pages decoding again ${((Date.now() - killedAt) / 1000).toFixed(2)} s after SIGKILL of the only worker`);

    // Nobody left and nobody rejoined (a page told its media was gone would join again).
    expect(logged('peer joined')).toBe(joinedBefore);
    expect(logged('peer left')).toBe(0);
    for (const page of pages) {
      expect(await encryptionState(page)).toBe('encrypted');
      expect(await safetyCode(page)).toBe(before);
    }
    // Everything made anew on the replacement was sealed from its first packet, with the group's own keys.
    const keys = new Set<string>();
    for (const page of pages) for (const key of await capturedKeys(page)) keys.add(key);
    const made = tap?.producers ?? [];
    expect(made.map((p) => p.kind).sort()).toEqual(['audio', 'audio', 'video', 'video']);
    for (const tapped of made) {
      const frames = tappedFrames(tapped);
      expect(frames.length).toBeGreaterThan(tapped.kind === 'audio' ? 20 : 5);
      expect(await framesOpenedBy(frames, [...keys])).toBe(frames.length);
    }
    // The room lives on the replacement worker, with both people in it.
    const roomId = (JSON.parse(h.t.logs.find((line) => line.includes('"msg":"peer joined"')) ?? '{}') as { roomId?: string }).roomId ?? '';
    expect(h.t.platform.media.get(roomId)?.peerCount).toBe(2);
  });
});
