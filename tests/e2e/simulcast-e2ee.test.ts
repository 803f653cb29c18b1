import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { demoAccounts } from '@care/server';
import { FIRST_PICTURE_MAX_LAYER } from '@care/media';
import { BrowserHarness, type SignedIn } from '../support/browser-harness.js';
import { openSession } from '../support/session-flow.js';

let h: BrowserHarness;
let client: SignedIn;

/** Watched from the lobby on: the size of the first remote picture presented (requestVideoFrameCallback). */
function recordFirstRemotePicture(): void {
  const look = (): void => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]');
    if (video?.srcObject) {
      video.requestVideoFrameCallback((_now, frame) => {
        (window as unknown as { __firstRemotePicture: { width: number; height: number } }).__firstRemotePicture = { width: frame.width, height: frame.height };
      });
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
}

/** The decoded width and frame count of the remote video, from the receiver's stats. */
async function remoteVideo(page: Page): Promise<{ width: number; decoded: number }> {
  return page.evaluate(async () => {
    let width = 0;
    let decoded = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; ssrc?: number; frameWidth?: number; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video' && s.ssrc !== 1234) {
          width = Math.max(width, s.frameWidth ?? 0);
          decoded += s.framesDecoded ?? 0;
        }
      });
    }
    return { width, decoded };
  });
}

beforeAll(async () => {
  h = await BrowserHarness.start();
  const [counselor, asn] = demoAccounts;
  const host = await h.signIn(counselor.email, counselor.password);
  await openSession(host.page);
  client = await h.signIn(asn.email, asn.password);
  await openSession(client.page);
  // In the lobby, before the admission: the watch is there before any picture.
  await client.page.evaluate(recordFirstRemotePicture);
  await host.page.getByTestId('admit').click();
  await client.page.getByTestId('remote-video').waitFor();
});

afterAll(() => h?.close());

describe('simulcast under end-to-end encryption', () => {
  it("a newcomer's first picture comes on the middle layer at most, then on the layer its tile wants", async () => {
    // The sender makes key frames on every layer at once; the newcomer is given the middle one's, a fraction of the top one's size.
    const first = await client.page.waitForFunction(() => (window as unknown as { __firstRemotePicture?: { width: number; height: number } }).__firstRemotePicture);
    const picture = (await first.jsonValue()) as { width: number; height: number };
    // The counselor's camera is 1280×720, its layers each half the next one's size.
    expect(picture.width).toBeGreaterThan(0);
    expect(picture.width).toBeLessThanOrEqual(1280 / 2 ** (2 - FIRST_PICTURE_MAX_LAYER));
    // Then the client's tile (wide on this 1280-pixel page) is given the top layer.
    const appointment = await h.t.platform.db.appointments.findOne({});
    const room = h.t.platform.media.get(appointment?.roomId ?? '');
    if (!room) throw new Error('room media not found');
    const producers = [...room.producers()];
    const hostVideo = producers.find(({ producer }) => producer.kind === 'video' && producer.type === 'simulcast');
    const clientConsumer = [...new Set(producers.map(({ peerId }) => peerId))]
      .flatMap((peerId) => [...room.peer(peerId).consumers.values()])
      .find((c) => c.producerId === hostVideo?.producer.id);
    if (!clientConsumer) throw new Error('no consumer of the counselor video');
    await expect.poll(() => clientConsumer.preferredLayers?.spatialLayer, { timeout: 10_000 }).toBe(2);
  });

  it('the SFU switches the layer it forwards, and every layer still decrypts', async () => {
    const appointment = await h.t.platform.db.appointments.findOne({});
    const room = h.t.platform.media.get(appointment?.roomId ?? '');
    if (!room) throw new Error('room media not found');
    // The counselor's camera, sent as simulcast, and the client's consumer of it.
    const producers = [...room.producers()];
    const hostVideo = producers.find(({ producer }) => producer.kind === 'video' && producer.type === 'simulcast');
    expect(hostVideo).toBeDefined();
    const peerIds = new Set(producers.map(({ peerId }) => peerId));
    const consumer = [...peerIds]
      .flatMap((peerId) => [...room.peer(peerId).consumers.values()])
      .find((c) => c.producerId === hostVideo?.producer.id);
    if (!consumer) throw new Error('no consumer of the counselor video');
    await expect.poll(async () => (await remoteVideo(client.page)).width, { timeout: 20_000 }).toBeGreaterThan(0);
    await consumer.setPreferredLayers({ spatialLayer: 2 });
    // The top layer comes once the sender's bandwidth estimate has grown to carry it: slow on a loaded machine.
    await expect.poll(async () => consumer.currentLayers?.spatialLayer, { timeout: 60_000 }).toBe(2);
    await client.page.waitForTimeout(2000);
    const high = await remoteVideo(client.page);

    await consumer.setPreferredLayers({ spatialLayer: 0 });
    await expect.poll(async () => consumer.currentLayers?.spatialLayer, { timeout: 20_000 }).toBe(0);
    await expect.poll(async () => (await remoteVideo(client.page)).width, { timeout: 20_000 }).toBeLessThan(high.width);
    const low = await remoteVideo(client.page);
    await client.page.waitForTimeout(1500);
    expect((await remoteVideo(client.page)).decoded).toBeGreaterThan(low.decoded);
    expect(await client.page.getByTestId('encryption').getAttribute('data-state')).toBe('encrypted');

    // The receiver's own view decides too: on a phone-sized screen the tile is small, so a smaller layer.
    await client.page.setViewportSize({ width: 390, height: 844 });
    await expect.poll(() => consumer.preferredLayers?.spatialLayer, { timeout: 10_000 }).toBe(1);
    await client.page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(() => consumer.preferredLayers?.spatialLayer, { timeout: 10_000 }).toBe(2);
  });
});
