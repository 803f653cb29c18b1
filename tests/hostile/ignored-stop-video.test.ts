import { demoAccounts } from '@care/server';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberPageJoins, startCircleMeeting, type CircleMeeting } from '../support/circle-meeting.js';
import { ProtocolPeer } from '../support/protocol-peer.js';
import { cameraPaused, theCameraOn } from '../support/room-cameras.js';
import { login } from '../support/test-platform.js';
import { videoFramesOver, waitForVideoFrames } from '../support/video-flow.js';

/*
 * A member's page patched to ignore the facilitator's "stop video" (it drops
 * the `room:moderated` notice, so its camera stays on and keeps sending) is
 * still not seen: the SFU holds the producer back, whatever the page sends.
 * And nobody but the host can stop another's video, nor can anyone switch
 * another's camera on.
 */
const [, , , member, other] = demoAccounts;
let c: CircleMeeting;

beforeAll(async () => {
  c = await startCircleMeeting();
});

afterAll(async () => {
  await c?.h.close();
});

/** What a patched app does: it never hears `room:moderated` (dropped from the socket's incoming frames). */
async function ignoreModeration(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const setter = Object.getOwnPropertyDescriptor(WebSocket.prototype, 'onmessage')?.set;
    const dropped = (event: MessageEvent) => typeof event.data === 'string' && event.data.includes('"room:moderated"');
    Object.defineProperty(WebSocket.prototype, 'onmessage', {
      configurable: true,
      set(this: WebSocket, handler: ((event: MessageEvent) => void) | null) {
        setter?.call(this, handler ? (event: MessageEvent) => (dropped(event) ? undefined : handler.call(this, event)) : null);
      },
    });
  });
}

describe('stopping a video against a page that does not listen', () => {
  let host: Page;
  let page: Page;

  it('the patched page keeps its camera on, yet the SFU forwards nothing of it', { timeout: 180_000 }, async () => {
    host = (await c.h.openCircle(c.meetingId)).page;
    page = await memberPageJoins(c, host, member, { prepare: ignoreModeration });
    await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
    await waitForVideoFrames(host);
    const camera = theCameraOn(c);

    await host.getByTestId('tile-actions').first().click();
    await host.getByTestId('stop-video-one').click();
    // The server paused the producer; the patched page never heard, its camera still on and sending.
    await expect.poll(() => cameraPaused(c, camera), { timeout: 10_000 }).toBe(true);
    expect(await page.getByTestId('moderated-notice').count()).toBe(0);
    await page.getByRole('button', { name: 'Matikan kamera' }).waitFor();
    const encoded = () =>
      page.evaluate(async () => {
        let frames = 0;
        for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
          (await pc.getStats()).forEach((s: { type: string; kind?: string; framesEncoded?: number }) => {
            if (s.type === 'outbound-rtp' && s.kind === 'video') frames += s.framesEncoded ?? 0;
          });
        }
        return frames;
      });
    const before = await encoded();
    // Still sending after the stop: the page goes on encoding its camera.
    await expect.poll(encoded, { timeout: 10_000 }).toBeGreaterThan(before + 10);
    await host.waitForTimeout(1000);
    expect(await videoFramesOver(host, 2000)).toBe(0);
  });

  it('a member cannot stop another\'s video, and nobody can switch another\'s camera on', { timeout: 120_000 }, async () => {
    const peer = await ProtocolPeer.open(c.h.t.url, await login(c.h.t.url, other.email, other.password));
    try {
      const knocked = host.getByTestId('admit').first();
      expect((await peer.request('lobby:knock', { sessionId: c.meetingId })).ok).toBe(true);
      await knocked.click();
      const joined = await peer.join(c.meetingId);
      const facilitator = joined.peers.find((p) => p.host);
      const target = joined.peers.find((p) => !p.host);
      if (!facilitator || !target) throw new Error('expected the facilitator and the member in the room');
      for (const peerId of [facilitator.peerId, target.peerId]) {
        const refused = await peer.request('room:moderate', { peerId, action: 'stop-video' });
        expect(refused.ok ? 'allowed' : refused.error.code).toBe('forbidden');
      }
      const switchOn = await peer.request('room:moderate', { peerId: target.peerId, action: 'start-video' });
      expect(switchOn.ok ? 'allowed' : switchOn.error.code).toBe('invalid_payload');
    } finally {
      peer.close();
    }
  });
});
