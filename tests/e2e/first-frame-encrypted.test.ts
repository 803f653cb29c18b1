import { demoAccounts } from '@care/server';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { inboundMedia, waitForInboundMedia } from '../support/browser.js';
import { FirstPacketTap, type TappedProducer } from '../support/first-packet-tap.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { tappedFrameCount, tappedMediaPackets } from '../support/sealed-frames.js';
import { useTappedHarness } from '../support/tapped-harness.js';
import { encryptionState } from '../support/session-flow.js';
import { framesOpenedBy, type ProtectedFrame } from '../support/sframe-attempt.js';

/*
 * Issue 12 §2: the first frame is always encrypted. A spy on the SFU is
 * attached to every producer at the moment the router creates it (before any
 * participant's consumer), and every frame it receives, from the first, must
 * open with an SFrame key of the room's MLS group, which only the browsers
 * hold (captured from them for the check).
 */

/** A browser whose RTCRtpScriptTransform is gone: the app takes the createEncodedStreams path. */
async function withoutScriptTransform(context: BrowserContext): Promise<void> {
  await withKeyCapture(context);
  await context.addInitScript(() => {
    delete (window as unknown as Record<string, unknown>).RTCRtpScriptTransform;
  });
}

async function groupKeys(pages: Page[]): Promise<string[]> {
  const keys = new Set<string>();
  for (const page of pages) for (const key of await capturedKeys(page)) keys.add(key);
  return [...keys];
}

/**
 * What the spy holds of each producer now, taken before the keys are read:
 * a frame taken after could be sealed under an epoch begun in between.
 */
function snapshot(producers: TappedProducer[]): Map<TappedProducer, { frames: ProtectedFrame[]; incomplete: number; packets: number }> {
  return new Map(producers.map((tapped) => [tapped, { ...tappedFrameCount(tapped), packets: tappedMediaPackets(tapped) }]));
}

/**
 * Every frame the spy got from this producer, from its first packet, opens
 * with one of the group's keys. Also prints how the spy's count compares
 * with the router's own: packets the router took in the moment between the
 * producer's creation and the spy's consumer, or while the producer was held
 * paused at the SFU (a camera that starts off), reached no participant and
 * are not in the spy's count. Frames with a packet that never arrived (lost,
 * and not sent again) cannot be judged and are counted apart.
 */
async function expectSealedFromFirstPacket(tapped: TappedProducer, held: { frames: ProtectedFrame[]; incomplete: number; packets: number }, keys: string[]): Promise<number> {
  const { frames, incomplete, packets } = held;
  expect(await framesOpenedBy(frames, keys)).toBe(frames.length);
  const router = await FirstPacketTap.receivedByRouter(tapped.producer);
  console.log(`${tapped.kind} producer: ${frames.length} frames sealed, ${incomplete} incomplete; packets: router ${router}, spy ${packets}, before the spy ${await tapped.receivedBeforeTap}`);
  return frames.length;
}

function producersOf(tap: FirstPacketTap, kind?: 'audio' | 'video'): TappedProducer[] {
  return tap.producers.filter((t) => kind === undefined || t.kind === kind);
}

describe('1:1 with RTCRtpScriptTransform: the SFU gets sealed frames from the first packet', () => {
  const stage = useTappedHarness();

  it('every frame of every producer, from the first the router took, opens only with the group\'s keys', { timeout: 180_000 }, async () => {
    const s = stage();
    const { host, client } = await s.h.sessionPair({ prepare: withKeyCapture });
    expect((await waitForInboundMedia(client.page)).videoFramesDecoded).toBeGreaterThan(0);
    expect((await waitForInboundMedia(host.page)).videoFramesDecoded).toBeGreaterThan(0);
    expect(await encryptionState(client.page)).toBe('encrypted');
    await client.page.waitForTimeout(2000);

    const producers = producersOf(s.tap);
    expect(producers.map((p) => p.kind).sort()).toEqual(['audio', 'audio', 'video', 'video']);
    const held = snapshot(producers);
    const keys = await groupKeys([host.page, client.page]);
    for (const tapped of producers) {
      expect(await expectSealedFromFirstPacket(tapped, held.get(tapped)!, keys)).toBeGreaterThan(tapped.kind === 'audio' ? 50 : 20);
    }
    // Honest people are not hindered: nobody was told their media is held back.
    expect(await host.page.getByTestId('not-sending').count()).toBe(0);
    expect(await client.page.getByTestId('not-sending').count()).toBe(0);
  });
});

describe('1:1 on the createEncodedStreams path (no RTCRtpScriptTransform): sealed from the first packet too', () => {
  const stage = useTappedHarness();

  it('both browsers encrypt through encoded streams taken before negotiation, and decode each other', { timeout: 180_000 }, async () => {
    const s = stage();
    const { host, client } = await s.h.sessionPair({ prepare: withoutScriptTransform });
    for (const page of [host.page, client.page]) {
      expect(await page.evaluate(() => typeof (window as unknown as Record<string, unknown>).RTCRtpScriptTransform)).toBe('undefined');
      expect((await waitForInboundMedia(page)).videoFramesDecoded).toBeGreaterThan(0);
      expect(await encryptionState(page)).toBe('encrypted');
    }
    await client.page.waitForTimeout(2000);

    const producers = producersOf(s.tap);
    expect(producers).toHaveLength(4);
    const held = snapshot(producers);
    const keys = await groupKeys([host.page, client.page]);
    for (const tapped of producers) {
      expect(await expectSealedFromFirstPacket(tapped, held.get(tapped)!, keys)).toBeGreaterThan(tapped.kind === 'audio' ? 50 : 20);
    }
    expect(await client.page.getByTestId('not-sending').count()).toBe(0);
  });
});

describe('a circle camera that starts off and is switched on later', () => {
  const stage = useTappedHarness();

  it('sends sealed frames from its first packet after it is switched on, its producer made then and checked by its transform', { timeout: 180_000 }, async () => {
    const s = stage();
    const { meetingId } = s;
    const member = demoAccounts.find((a) => a.role === 'asn');
    if (!member) throw new Error('no demo member');
    const { page: host } = await s.h.openCircle(meetingId, { prepare: withKeyCapture });
    const { page } = await s.h.admitToCircle(host, member, meetingId, { prepare: withKeyCapture });

    // The camera is off, so let go of: the member has no video producer at all, and nothing of it reaches the facilitator.
    await host.waitForTimeout(1500);
    expect((await inboundMedia(host)).videoFramesDecoded).toBe(0);
    const hostPeerId = s.tap.producers[0]?.peerId;
    expect(producersOf(s.tap, 'video').find((t) => t.peerId !== hostPeerId)).toBeUndefined();

    await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
    await expect.poll(async () => (await inboundMedia(host)).videoFramesDecoded, { timeout: 30_000, interval: 500 }).toBeGreaterThan(10);
    // Past the transform check after the producer was made: the camera keeps going, nobody is told otherwise.
    await page.waitForTimeout(4000);
    expect(await page.getByTestId('not-sending').count()).toBe(0);
    const memberVideo = producersOf(s.tap, 'video').find((t) => t.peerId !== hostPeerId);
    if (!memberVideo) throw new Error('the member has no video producer');

    const held = snapshot(s.tap.producers);
    const keys = await groupKeys([host, page]);
    expect(held.get(memberVideo)!.packets).toBeGreaterThan(50);
    expect(await expectSealedFromFirstPacket(memberVideo, held.get(memberVideo)!, keys)).toBeGreaterThan(20);
    for (const tapped of producersOf(s.tap, 'audio')) await expectSealedFromFirstPacket(tapped, held.get(tapped)!, keys);
  });
});
