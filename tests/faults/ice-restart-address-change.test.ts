import { demoAccounts } from '@care/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { launchChromium } from '../support/browser.js';
import { NetworkNamespace, namespacesUsable } from '../support/network-namespace.js';
import { openSession, signIn } from '../support/session-flow.js';
import { decodeAsSpy, filmedPictures, picturesOf } from '../support/spy-decoder.js';
import { tapProducers, vp8Frames } from '../support/rtp-tap.js';
import { waitForVideoFrames } from '../support/video-flow.js';
import { recordFault } from '../support/fault-figures.js';
import { sfuTransports } from '../support/sfu-transports.js';
import { formatTimeline, pageEvents, pollTimeline, watchPage } from '../support/ice-timeline.js';

/*
 * The client's browser runs in its own network namespace and its address
 * changes mid-call (as a phone's does moving between networks). The old
 * ICE path dies; the page notices its transports disconnected, asks for new
 * ICE credentials (`room:restart-ice`) and reconnects from the new address.
 * Media resumes both ways, still end-to-end encrypted. Signalling reaches
 * the server through a Unix-socket relay, so only media feels the move.
 * Beside the figure it prints where the time went (ice-timeline.ts): the
 * page's restart, the SFU seeing the new address, the first new frames.
 */
const [counselor, asn] = demoAccounts;
const probe = namespacesUsable();
let ns: NetworkNamespace;
let h: BrowserHarness;
let moving: Browser;
let host: Page;
let client: Page;
let roomId: string;

beforeAll(async () => {
  // Namespaces need root; the test says so rather than pass quietly without them.
  if (!probe.usable) throw new Error(`network namespaces are not usable here: ${probe.why}`);
  ns = NetworkNamespace.create();
  h = await BrowserHarness.start({ MEDIA_LISTEN_IP: ns.hostAddress });
  await ns.forwardLocalhost(h.t.platform.port);
  roomId = String((await h.t.platform.db.connection.collection('appointments').findOne({}))?.roomId);
  moving = await launchChromium({ executablePath: ns.wrap(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium') });
}, 120_000);

afterAll(async () => {
  try {
    await moving?.close().catch(() => undefined);
    await h?.close();
  } finally {
    ns?.close();
  }
});

/** The client's WebRTC transports at the SFU: those whose ICE path comes from the namespace. */
function clientTransports(address: string): Array<{ peerId: string; ufrag: string; iceState: string }> {
  return sfuTransports(h.t.platform.media.get(roomId))
    .filter((t) => t.remoteIp === address)
    .map(({ peerId, ufrag, iceState }) => ({ peerId, ufrag, iceState }));
}

/** The SFU's view of the moving client's transports, for the timeline: ICE state, credentials, address. */
function clientTransportsSeen(peerId: string): string {
  return sfuTransports(h.t.platform.media.get(roomId))
    .filter((t) => t.peerId === peerId)
    .map((t) => `${t.direction}:${t.iceState}/${t.ufrag.slice(0, 4)}/${t.remoteIp ?? '-'}`)
    .sort()
    .join(' ');
}

describe('a call whose client changes address', () => {
  it('recovers through an ICE restart: media both ways again, from the new address, still encrypted', { timeout: 240_000 }, async (context) => {
    host = (await h.signIn(counselor.email, counselor.password)).page;
    await openSession(host);
    const signedIn = await signIn(moving, h.baseUrl, asn.email, asn.password);
    h.track(signedIn.context);
    client = signedIn.page;
    await openSession(client);
    await host.getByTestId('admit').click();
    await client.getByTestId('remote-video').waitFor();
    await waitForVideoFrames(host);
    await waitForVideoFrames(client);
    const before = clientTransports(ns.address);
    expect(before.length).toBe(2);

    const oldAddress = ns.address;
    // Where the time goes (printed with the figure): each page's transports, the SFU's view, the first new frames.
    await Promise.all([watchPage(host, 'host'), watchPage(client, 'client')]);
    const clientPeerId = before[0]?.peerId ?? '';
    const timeline = pollTimeline({ host, client }, () => clientTransportsSeen(clientPeerId));
    const movedAt = Date.now();
    const newAddress = ns.moveAddress();
    expect(newAddress).not.toBe(oldAddress);

    // The SFU sees both transports come back from the new address, with new ICE credentials.
    await expect
      .poll(() => clientTransports(newAddress).filter((t) => t.iceState === 'completed' || t.iceState === 'connected').length, { timeout: 60_000, interval: 500 })
      .toBe(2);
    const after = clientTransports(newAddress);
    // The same peer (no rejoin: signalling never dropped), its transports restarted with new ICE credentials.
    const oldUfrags = new Set(before.map((t) => t.ufrag));
    for (const transport of after) {
      expect(transport.peerId).toBe(before[0]?.peerId);
      expect(oldUfrags.has(transport.ufrag)).toBe(false);
    }
    expect(clientTransports(oldAddress)).toEqual([]);

    // Media decodes again on both sides, after the move (issue 14's figure: from the move to both decoding, polled every 0.5 s).
    await Promise.all([waitForVideoFrames(host, 60_000), waitForVideoFrames(client, 60_000)]);
    recordFault(context, { ice_restart_s: (Date.now() - movedAt) / 1000 });
    const events = [...(await timeline.stop()), ...(await pageEvents(host)), ...(await pageEvents(client))];
    console.log(`ice restart timeline (from the move):\n${formatTimeline(movedAt, events)}`);
    for (const page of [host, client]) expect(await page.getByTestId('encryption').getAttribute('data-state')).toBe('encrypted');

    // And what the SFU forwards from the moved client is still sealed: a spy's VP8 decoder gets no picture of what was filmed.
    const room = h.t.platform.media.get(roomId);
    if (!room) throw new Error('no room');
    const packets = await tapProducers(room.mediaRouter, [...room.producers()].filter((p) => p.producer.kind === 'video' && !p.producer.paused), 3000);
    const producerIds = [...new Set(packets.map((p) => p.producerId))];
    let frames = 0;
    const filmed = await filmedPictures(host, 3000);
    for (const producerId of producerIds) {
      const vp8 = vp8Frames(packets, producerId);
      frames += vp8.length;
      const spied = await decodeAsSpy(host, vp8);
      expect(picturesOf(spied.decoded, filmed)).toEqual([]);
    }
    expect(frames).toBeGreaterThan(10);
    // One restart per transport brought it back: seconds later the SFU still has the same credentials (no restart storm).
    expect(clientTransports(newAddress).map((t) => t.ufrag).sort()).toEqual(after.map((t) => t.ufrag).sort());
  });
});
