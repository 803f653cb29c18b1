import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { droppedServerMessages } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { decodedStreams } from '../support/decoded-streams.js';
import { FirstPacketTap } from '../support/first-packet-tap.js';
import { safetyCode } from '../support/group-view.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { tappedFrames } from '../support/sealed-frames.js';
import { encryptedAndDecoding, encryptionState } from '../support/session-flow.js';
import { framesOpenedBy } from '../support/sframe-attempt.js';

/*
 * The server lies about moves. `room:media-moved` tells a page to drop its
 * transports and make its media again (a media node drained or a worker
 * died). A hostile operator, or a bug, can say it when nothing moved, in a
 * burst, while the page is still making its media, or with garbage. What
 * the page must do: check each against its schema (garbage is dropped),
 * make its media again one move at a time (a burst never gives it more than
 * one set of peer connections and one being made), never touch its group
 * or keys (the same safety code, still encrypted), and never let anything
 * leave unsealed: every producer it made, before and after, opens only
 * with the group's keys. Here nothing really moved, so the server refuses
 * the page's second set of transports: the page says the connection failed
 * and offers a rejoin, and joined again, it decodes as before.
 */

const [, asn] = demoAccounts;
const REJOIN = 'Masuk lagi';
let h: BrowserHarness;
let tap: FirstPacketTap;

beforeAll(async () => {
  h = await BrowserHarness.start({ MEDIA_WORKERS: '1' });
  tap = FirstPacketTap.watch(h.t.platform.pool.leastLoaded().worker);
}, 180_000);

afterAll(async () => {
  tap?.close();
  await h?.close();
});

/** Peer connections of the page not closed now. */
const openConnections = (page: Page) =>
  page.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.filter((pc) => pc.connectionState !== 'closed').length);

describe('a server that says "your media moved" when it did not, again and again', () => {
  it('the page moves once at a time, keeps its group and keys, sends nothing unsealed, and recovers by a rejoin', { timeout: 240_000 }, async () => {
    const { host, client } = await h.sessionPair({ prepare: withKeyCapture });
    await encryptedAndDecoding([host.page, client.page]);
    const before = await safetyCode(client.page);
    const openBefore = await openConnections(client.page);
    const sockets = (await h.t.platform.io.fetchSockets()).filter((s) => (s.data as { user?: { displayName: string } }).user?.displayName === asn.displayName);
    expect(sockets.length).toBeGreaterThan(0);
    const room = h.t.platform.media.get(String((await h.t.platform.db.appointments.findOne({}))?.roomId));
    if (!room) throw new Error('no room media');

    // Garbage first: dropped by the schema, nothing happens.
    for (const socket of sockets) {
      for (const garbage of [{}, { routerRtpCapabilities: 'x' }, { routerRtpCapabilities: { codecs: 'nope' } }, null, 42]) socket.emit('room:media-moved', garbage as never);
    }
    await expect.poll(() => droppedServerMessages.length, { timeout: 10_000 }).toBe(5 * sockets.length);
    expect(new Set(droppedServerMessages.splice(0))).toEqual(new Set(['room:media-moved']));
    expect(await client.page.getByTestId('connection-state').getAttribute('data-state')).toBe('connected');
    expect(await openConnections(client.page)).toBe(openBefore);
    expect(await decodedStreams(client.page, 'video', 1000)).toBe(1);

    // Then a burst of well-formed lies: the page's peer connections, sampled throughout, never pile up.
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        most = Math.max(most, await openConnections(client.page).catch(() => 0));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    for (let i = 0; i < 40; i++) for (const socket of sockets) socket.emit('room:media-moved', { routerRtpCapabilities: room.rtpCapabilities });
    await client.page.locator('[data-testid="connection-state"][data-state="failed"]').waitFor({ timeout: 30_000 });
    await client.page.waitForTimeout(2000);
    sampling = false;
    await sampler;
    console.log(`media-moved flood: open peer connections before ${openBefore}, most during 40 lies ${most}`);
    expect(most).toBeLessThanOrEqual(openBefore);
    // The group and its keys were never touched.
    expect(await encryptionState(client.page)).toBe('encrypted');
    expect(await safetyCode(client.page)).toBe(before);

    // The rejoin it offers brings the picture back.
    await client.page.getByRole('button', { name: REJOIN }).click();
    await expect.poll(() => decodedStreams(client.page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
    await expect.poll(() => decodedStreams(host.page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);

    // Everything any page ever made left sealed with the group's keys (the rejoin's new epoch included).
    const keys = new Set<string>();
    for (const page of [host.page, client.page]) for (const key of await capturedKeys(page)) keys.add(key);
    for (const tapped of tap.producers) {
      const frames = tappedFrames(tapped);
      expect(await framesOpenedBy(frames, [...keys])).toBe(frames.length);
    }
    expect(tap.producers.length).toBeGreaterThanOrEqual(4);
  });
});
