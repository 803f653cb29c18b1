import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoAccounts } from '@care/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearPrefixLength } from '../../web/src/lib/e2ee/media-frame.js';
import { decodeSFrameHeader } from '../../web/src/lib/e2ee/sframe-header.js';
import { parseMlsKid } from '../../web/src/lib/e2ee/sframe-mls.js';
import { launchChromium, waitForInboundMedia } from '../support/browser.js';
import { entropyBitsPerByte, tapProducers, vp8FrameBytes } from '../support/rtp-tap.js';
import { encryptionState, openSession, signIn } from '../support/session-flow.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

const [counselor, asn] = demoAccounts;
const webBuild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build');
let t: TestPlatform;
let browser: Browser;
const contexts: BrowserContext[] = [];
let roomId: string;

async function open(email: string, password: string, withoutTransforms = false): Promise<Page> {
  const { context, page } = await signIn(browser, t.url.replace('127.0.0.1', 'localhost'), email, password, { withoutTransforms });
  contexts.push(context);
  return page;
}

beforeAll(async () => {
  t = await startTestPlatform({ WEB_BUILD_DIR: webBuild, LOG_LEVEL: 'info' });
  browser = await launchChromium();
  const appointment = await t.platform.db.appointments.findOne({});
  roomId = appointment?.roomId ?? '';
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await t?.close();
});

describe('what the SFU sees of an end-to-end encrypted session', () => {
  it('forwards SFrame-protected frames only: codec header clear, the rest sealed under the senders\' MLS keys', async () => {
    const host = await open(counselor.email, counselor.password);
    await openSession(host);
    const client = await open(asn.email, asn.password);
    await openSession(client);
    await host.getByTestId('admit').click();
    expect((await waitForInboundMedia(client)).videoFramesDecoded).toBeGreaterThan(0);
    expect((await waitForInboundMedia(host)).videoFramesDecoded).toBeGreaterThan(0);
    expect(await encryptionState(host)).toBe('encrypted');

    const room = t.platform.media.get(roomId);
    if (!room) throw new Error('room media not found');
    const producers = [...room.producers()];
    expect(producers.map((p) => p.producer.kind).sort()).toEqual(['audio', 'audio', 'video', 'video']);

    const packets = await tapProducers(room.mediaRouter, producers, 3000);
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

  it('sends nothing from a browser that cannot encrypt frames, and says so', async () => {
    const client = await open(asn.email, asn.password, true);
    await openSession(client);
    await client.locator('[data-testid="encryption"][data-state="unsupported"]').waitFor();
    await client.getByTestId('not-sending').waitFor();
    const room = t.platform.media.get(roomId);
    const fromClient = [...(room?.producers() ?? [])].filter(({ producer }) => producer.kind && producer.appData.peerId !== undefined);
    // Only the counselor's two producers remain in the room.
    expect(fromClient).toHaveLength(2);
    const hostPeerIds = new Set(fromClient.map(({ peerId }) => peerId));
    expect(hostPeerIds.size).toBe(1);
  });
});
