import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForInboundMedia } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { openSession } from '../support/session-flow.js';

/*
 * Issue 15, "Use the wait": a client's page in the lobby gets ready to be let
 * in (its peer held at the SFU, both transports connected, a KeyPackage
 * held), says so, and is let in straight from there. While it waits its
 * senders carry no track, so nothing is encoded and not one packet leaves;
 * let in, the tracks go back on the same senders (no renegotiation).
 */

/** What the page's RTP senders carry and have sent, over every peer connection. */
function senders(page: Page): Promise<{ senders: number; withTrack: number; packetsSent: number }> {
  return page.evaluate(async () => {
    let senders = 0;
    let withTrack = 0;
    let packetsSent = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      // Our producers' senders, each with its encrypting transform (a receiving transceiver has a sender too, that never sends).
      for (const sender of pc.getSenders().filter((s) => (s as RTCRtpSender & { transform?: unknown }).transform)) {
        senders++;
        if (sender.track) withTrack++;
      }
      (await pc.getStats()).forEach((s: { type: string; packetsSent?: number }) => {
        if (s.type === 'outbound-rtp') packetsSent += s.packetsSent ?? 0;
      });
    }
    return { senders, withTrack, packetsSent };
  });
}

const [counselor, asn] = demoAccounts;
let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start();
}, 120_000);

afterAll(() => h?.close());

describe('the lobby prepares the page', () => {
  it('says it is ready while waiting, and the admitted client sees the counselor', { timeout: 180_000 }, async () => {
    const { page: host } = await h.signIn(counselor.email, counselor.password);
    await openSession(host);
    const { page: client } = await h.signIn(asn.email, asn.password);
    const console: string[] = [];
    client.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
    await client.getByTestId('open-session').click();
    await client.getByTestId('consent-accept').click();
    await client.getByTestId('preview-video').waitFor();
    await client.getByTestId('devices-ready').click();
    await client.getByTestId('lobby').waitFor();
    try {
      await client.locator('[data-testid="lobby"][data-prepared="true"]').waitFor({ timeout: 30_000 });
    } catch (error) {
      throw new Error(`not prepared: ${console.join('\n')}`, { cause: error });
    }
    // Two connected transports before anyone let the client in.
    const states = await client.evaluate(() =>
      (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.map((pc) => pc.connectionState),
    );
    expect(states.filter((s) => s === 'connected')).toHaveLength(2);
    // Camera and microphone produced, held off their senders: nothing sent while waiting.
    await client.waitForTimeout(1500);
    const waiting = await senders(client);
    expect(waiting.senders).toBe(2);
    expect(waiting).toMatchObject({ withTrack: 0, packetsSent: 0 });
    await host.getByTestId('admit').click();
    await waitForInboundMedia(client);
    const heard = await waitForInboundMedia(host);
    expect(heard.videoFramesDecoded).toBeGreaterThan(0);
    expect(heard.audioPacketsReceived).toBeGreaterThan(0);
    const inRoom = await senders(client);
    expect(inRoom.withTrack).toBe(2);
    expect(inRoom.packetsSent).toBeGreaterThan(0);
  });
});
