import { demoAccounts } from '@care/server';
import type { BrowserContext, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { inboundMedia } from '../support/browser.js';
import { FirstPacketTap, type TappedProducer } from '../support/first-packet-tap.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { tappedFrames } from '../support/sealed-frames.js';
import { useTappedHarness } from '../support/tapped-harness.js';
import { framesOpenedBy } from '../support/sframe-attempt.js';

/*
 * A page whose encrypting transform never runs for the camera: the worker
 * never reads the camera's frames, or the transform is never assigned, or
 * (without RTCRtpScriptTransform) the encoded streams are never read. Each is
 * a real page of the app with one part patched, as a broken or tampered
 * build would be. A circle member's camera starts off, so the transform check
 * that ran once, 3 s after joining, never looked at it. Now, when the member
 * switches the camera on, the check runs again: the camera is stopped and
 * the member told, and nothing of it reaches the router unencrypted (in fact
 * nothing at all: Chromium sends nothing from an encoded stream nobody reads,
 * which ENVIRONMENT.md claimed and this checks).
 */

const members = demoAccounts.filter((a) => a.role === 'asn');

/** Appended to the served frame worker: its camera transform never reads a frame. */
const WORKER_IGNORES_CAMERA = `
;(() => {
  const honest = self.onrtctransform;
  self.onrtctransform = (event) => {
    const o = event.transformer.options;
    if (o.operation === 'encrypt' && o.codec === 'vp8') return;
    honest.call(self, event);
  };
  const onmessage = self.onmessage;
  self.onmessage = (event) => {
    const m = event.data;
    if (m && m.kind === 'streams' && m.options.operation === 'encrypt' && m.options.codec === 'vp8') return;
    onmessage.call(self, event);
  };
})();
`;

async function patchWorker(context: BrowserContext): Promise<void> {
  await context.route('**/workers/frame-crypto.worker-*.js', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: (await response.text()) + WORKER_IGNORES_CAMERA });
  });
}

const variants: Array<{ name: string; prepare: (context: BrowserContext) => Promise<void> }> = [
  {
    name: 'the frame worker never reads the camera\'s frames (RTCRtpScriptTransform)',
    prepare: patchWorker,
  },
  {
    name: 'the camera\'s transform is never assigned (the assignment removed)',
    prepare: async (context) => {
      await context.addInitScript(() => {
        const native = Object.getOwnPropertyDescriptor(RTCRtpSender.prototype, 'transform');
        if (!native?.set || !native.get) throw new Error('no RTCRtpSender.transform');
        const { get, set } = native;
        Object.defineProperty(RTCRtpSender.prototype, 'transform', {
          configurable: true,
          get(this: RTCRtpSender) {
            return get.call(this);
          },
          set(this: RTCRtpSender, value: RTCRtpScriptTransform | null) {
            if (this.track?.kind === 'video') return;
            set.call(this, value);
          },
        });
      });
    },
  },
  {
    name: 'the camera\'s encoded streams are never read (createEncodedStreams path)',
    prepare: async (context) => {
      await context.addInitScript(() => {
        delete (window as unknown as Record<string, unknown>).RTCRtpScriptTransform;
      });
      await patchWorker(context);
    },
  },
];

const stage = useTappedHarness();
let host: Page;

beforeAll(async () => {
  const { h, meetingId } = stage();
  ({ page: host } = await h.openCircle(meetingId, { prepare: withKeyCapture }));
});

function producerOf(peerCount: number, kind: 'audio' | 'video'): TappedProducer | undefined {
  const { tap } = stage();
  // The facilitator's producers come first; each member's after it joined.
  const peers = [...new Set(tap.producers.map((t) => t.peerId))];
  return tap.producers.find((t) => t.peerId === peers[peerCount] && t.kind === kind);
}

describe('a camera whose encrypting transform never runs, switched on in a circle', () => {
  for (const [index, variant] of variants.entries()) {
    it(`${variant.name}: stopped on resume, the member told, nothing unencrypted reaches the router`, { timeout: 180_000 }, async () => {
      const { h, meetingId } = stage();
      const account = members[index];
      if (!account) throw new Error('not enough demo members');
      const { context, page } = await h.admitToCircle(host, account, meetingId, {
        prepare: async (c) => {
          await withKeyCapture(c);
          await variant.prepare(c);
        },
      });
      // The microphone's transform is untouched: the member is heard, and joining alone raises no alarm.
      await page.waitForTimeout(4000);
      expect(await page.getByTestId('not-sending').count()).toBe(0);
      const hostVideoBefore = (await inboundMedia(host)).videoFramesDecoded;

      await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
      const told = page.locator('[data-testid="not-sending"][data-what="video"]');
      await told.waitFor({ timeout: 20_000 });
      expect(await told.textContent()).toContain('kamera');

      // The camera is closed in the page: its sender carries no track any more.
      const sendingVideo = await page.evaluate(() =>
        (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.some(
          (pc) => pc.connectionState !== 'closed' && pc.getSenders().some((s) => s.track?.kind === 'video'),
        ),
      );
      expect(sendingVideo).toBe(false);

      // Nothing of the camera reached the router, let alone unencrypted; the facilitator saw no picture.
      const video = producerOf(index + 1, 'video');
      if (!video) throw new Error('the member made no video producer');
      const keys = [...(await capturedKeys(page)), ...(await capturedKeys(host))];
      const videoFrames = tappedFrames(video);
      expect(await framesOpenedBy(videoFrames, keys)).toBe(videoFrames.length);
      expect(await FirstPacketTap.receivedByRouter(video.producer)).toBe(0);
      expect((await inboundMedia(host)).videoFramesDecoded).toBe(hostVideoBefore);

      // The microphone went on, sealed.
      const audio = producerOf(index + 1, 'audio');
      if (!audio) throw new Error('the member made no audio producer');
      const audioFrames = tappedFrames(audio);
      expect(audioFrames.length).toBeGreaterThan(50);
      expect(await framesOpenedBy(audioFrames, keys)).toBe(audioFrames.length);

      await context.close();
      await host.locator('[data-testid="circle-grid"][data-count="1"]').waitFor({ timeout: 30_000 });
    });
  }
});
