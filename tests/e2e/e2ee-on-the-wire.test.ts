import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearPrefixLength } from '../../web/src/lib/e2ee/media-frame.js';
import { decodeSFrameHeader } from '../../web/src/lib/e2ee/sframe-header.js';
import { parseMlsKid } from '../../web/src/lib/e2ee/sframe-mls.js';
import { waitForInboundMedia } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { newMediaContext } from '../support/browser.js';
import { entropyBitsPerByte, tapProducers, vp8FrameBytes, vp8Frames, type TappedPacket } from '../support/rtp-tap.js';
import { decodeAsSpy, filmedPictures, picturesOf } from '../support/spy-decoder.js';
import { startBareServer, type BareServer } from '../bench/bare/bare-server.js';
import { encryptionState, openSession } from '../support/session-flow.js';

const [, asn] = demoAccounts;
let h: BrowserHarness;
let roomId: string;
let bare: BareServer | undefined;
/** What the spy took from our room, for the decoder test. */
let tapped: TappedPacket[] = [];
let videoProducerIds: string[] = [];

beforeAll(async () => {
  h = await BrowserHarness.start();
  const appointment = await h.t.platform.db.appointments.findOne({});
  roomId = appointment?.roomId ?? '';
});

afterAll(async () => {
  bare?.close();
  await h?.close();
});

/** From each producer's first key frame on: what a spy would hand a decoder. */
function fromFirstKeyFrame(packets: TappedPacket[], producerId: string): Array<{ key: boolean; bytes: Uint8Array }> {
  const frames = vp8Frames(packets, producerId);
  const first = frames.findIndex((f) => f.key);
  return first < 0 ? [] : frames.slice(first, first + 30);
}

describe('what the SFU sees of an end-to-end encrypted session', () => {
  it('forwards SFrame-protected frames only: codec header clear, the rest sealed under the senders\' MLS keys', async () => {
    const pair = await h.sessionPair();
    const host = pair.host.page;
    const client = pair.client.page;
    expect((await waitForInboundMedia(client)).videoFramesDecoded).toBeGreaterThan(0);
    expect((await waitForInboundMedia(host)).videoFramesDecoded).toBeGreaterThan(0);
    expect(await encryptionState(host)).toBe('encrypted');

    const room = h.t.platform.media.get(roomId);
    if (!room) throw new Error('room media not found');
    const producers = [...room.producers()];
    expect(producers.map((p) => p.producer.kind).sort()).toEqual(['audio', 'audio', 'video', 'video']);

    const packets = await tapProducers(room.mediaRouter, producers, 3000);
    tapped = packets;
    videoProducerIds = producers.filter((p) => p.producer.kind === 'video').map((p) => p.producer.id);
    const videoFrames = packets.filter((p) => p.kind === 'video').map((p) => vp8FrameBytes(p.payload)).filter((f) => f.startsFrame);
    const audioFrames = packets.filter((p) => p.kind === 'audio').map((p) => p.payload);
    expect(videoFrames.length).toBeGreaterThan(20);
    expect(audioFrames.length).toBeGreaterThan(50);

    // Every frame carries an SFrame header right after the clear codec bytes; the KIDs name
    // MLS senders (leaf << 4 | epoch). A sender's audio and video share one counter per KID,
    // so within a stream it only goes up, and no (KID, counter) pair, i.e. nonce, repeats.
    const sealed: Uint8Array[] = [];
    const lastCounter = new Map<string, bigint>();
    const nonces = new Set<string>();
    const senders = new Set<number>();
    const check = (codec: 'vp8' | 'opus', frame: Uint8Array) => {
      const prefix = clearPrefixLength(codec, frame);
      const header = decodeSFrameHeader(frame.subarray(prefix));
      const stream = `${codec}/${header.kid}`;
      const previous = lastCounter.get(stream);
      if (previous !== undefined) expect(header.ctr).toBeGreaterThan(previous);
      lastCounter.set(stream, header.ctr);
      const nonce = `${header.kid}/${header.ctr}`;
      expect(nonces.has(nonce)).toBe(false);
      nonces.add(nonce);
      senders.add(parseMlsKid(header.kid).senderIndex);
      sealed.push(frame.subarray(prefix + header.length));
    };
    for (const frame of videoFrames) check('vp8', frame.bytes);
    for (const frame of audioFrames) check('opus', frame);
    expect([...senders].sort()).toEqual([0, 1]);

    // What follows the header is indistinguishable from random bytes.
    expect(entropyBitsPerByte(sealed)).toBeGreaterThan(7.9);
  });

  it('gives a spy with a real VP8 decoder (WebCodecs/libvpx) not one picture of what the cameras filmed', async () => {
    const page = (await h.track(await newMediaContext(h.browser, h.baseUrl)).newPage());
    await page.goto('/');
    const filmed = await filmedPictures(page, 4000);
    for (const producerId of videoProducerIds) {
      const frames = fromFirstKeyFrame(tapped, producerId);
      expect(frames.length).toBeGreaterThan(5);
      const result = await decodeAsSpy(page, frames);
      // Whatever the decoder makes of sealed frames (mostly refusals, rarely noise) resembles nothing filmed.
      expect(picturesOf(result.decoded, filmed)).toEqual([]);
      expect(result.errors.length).toBeGreaterThan(0);
    }
  });

  it('control: the same spy and decoder see the picture of a plain (not end-to-end encrypted) mediasoup stream', async () => {
    bare = await startBareServer(process.env.MEDIASOUP_WORKER_BIN);
    const context = h.track(await newMediaContext(h.browser, bare.url));
    const producerPage = await context.newPage();
    await bare.expose(producerPage);
    await producerPage.goto(bare.url);
    await producerPage.evaluate(() => (window as unknown as { bareProduce(): Promise<void> }).bareProduce());
    const producer = bare.videoProducer();
    if (!producer) throw new Error('the bare page produced no video');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const packets = await tapProducers(bare.router, [{ producer }], 3000);
    const frames = fromFirstKeyFrame(packets, producer.id);
    expect(frames.length).toBeGreaterThan(5);
    const result = await decodeAsSpy(producerPage, frames);
    expect(result.errors).toEqual([]);
    expect(result.decoded.length).toBe(frames.length);
    expect(result.decoded[0]?.width).toBeGreaterThan(0);
    // And the likeness measure the test above relies on sees in each of them what the camera films.
    const filmed = await filmedPictures(producerPage, 4000);
    expect(picturesOf(result.decoded, filmed)).toHaveLength(frames.length);
  });

  it('sends nothing from a browser that cannot encrypt frames, and says so', async () => {
    const { page: client } = await h.signIn(asn.email, asn.password, { withoutTransforms: true });
    await openSession(client);
    await client.locator('[data-testid="encryption"][data-state="unsupported"]').waitFor();
    await client.getByTestId('not-sending').waitFor();
    const room = h.t.platform.media.get(roomId);
    const fromClient = [...(room?.producers() ?? [])].filter(({ producer }) => producer.kind && producer.appData.peerId !== undefined);
    // Only the counselor's two producers remain in the room.
    expect(fromClient).toHaveLength(2);
    const hostPeerIds = new Set(fromClient.map(({ peerId }) => peerId));
    expect(hostPeerIds.size).toBe(1);
  });
});
