import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { RemoteRoomMedia } from '../../server/src/media-nodes/remote-room-media.js';
import { framesDecoded } from '../support/back-in-room.js';
import { remoteRoomOf } from '../support/circle-on-media-nodes.js';
import { decodedStreams } from '../support/decoded-streams.js';
import { safetyCode } from '../support/group-view.js';
import { demoAccounts } from '@care/server';
import { encryptionState, openSessionById } from '../support/session-flow.js';
import { useSignalOnMediaNodes } from '../support/signal-on-media-nodes.js';

/*
 * Issue 14: a media node told to stop (SIGTERM, as `systemctl stop` or a
 * deploy does) under a live 1:1 moves its people off instead of keeping
 * them for its whole grace (here 10 minutes) or cutting them off at its end.
 * A signal node (this process, CARE_ROLE=signal) sees the node draining in
 * the registry and moves each page's media to the other media node, one
 * after the other (for a moment the room spans both, over host pipes): the
 * pages make their transports and producers again there, and keep their
 * seats, their MLS group and its keys — the same safety code on both
 * screens, never a new epoch — and decode each other's video again. The
 * drained node then holds no room and exits long before its grace. Then a
 * circle meeting: the facilitator is in the room while a member waits in the
 * lobby with the page prepared (its peer held at the SFU). That node is
 * drained too: both are moved to another node (the waiting one held there
 * as before), and when the facilitator lets the member in, it enters with
 * what it prepared there and both decode each other.
 * Namespaces need root: as root (as CI runs) this runs; anyone else is told
 * plainly that it was skipped.
 */

// A Redis database of its own (15): the media-node registry is global to a database.
const { skipped, stage } = useSignalOnMediaNodes('media-node-drain-move', 15);
/** The first test's pages, closed by the second before it starts its own. */
let firstPages: Page[] = [];

/** The one room anyone has joined so far (the demo 1:1's). */
function onlyRoom(): RemoteRoomMedia {
  const { h } = stage();
  const roomIds = new Set(h.t.logs.filter((line) => line.includes('"msg":"peer joined"')).map((line) => (JSON.parse(line) as { roomId: string }).roomId));
  const [roomId] = [...roomIds];
  return remoteRoomOf(h.t, roomId ?? '');
}

describe.skipIf(skipped)('a media node drained under live sessions', () => {
  it('moves both pages\' media to the other node: the same group and safety code, decoding again, and the node exits early', { timeout: 300_000 }, async () => {
    const { h, nodes } = stage();
    const { host, client } = await h.sessionPair();
    const pages: Page[] = [host.page, client.page];
    firstPages = pages;
    for (const page of pages) {
      await expect.poll(() => encryptionState(page), { timeout: 60_000, interval: 250 }).toBe('encrypted');
      await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
    }
    const before = await safetyCode(host.page);
    expect(await safetyCode(client.page)).toBe(before);
    const room = onlyRoom();
    const [side] = room.sides;
    const draining = nodes.find((node) => node.nodeId === side?.nodeId);
    const other = nodes.find((node) => node !== draining);
    if (!side || !draining || !other) throw new Error('the session is not on a media node');
    const peers = [...side.peers].sort();
    expect(peers).toHaveLength(2);

    // Each page's longest stretch without a newly decoded frame, sampled every 100 ms from the SIGTERM on.
    const gaps = pages.map(() => ({ longest: 0, last: 0, lastAt: 0 }));
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        await Promise.all(
          pages.map(async (page, index) => {
            const gap = gaps[index];
            const frames = await framesDecoded(page).catch(() => gap?.last ?? 0);
            if (!gap) return;
            const now = Date.now();
            if (gap.lastAt === 0 || frames > gap.last) {
              if (gap.lastAt !== 0) gap.longest = Math.max(gap.longest, now - gap.lastAt);
              gap.lastAt = now;
            }
            // The count is over the page's open peer connections: the new ones start from nought.
            gap.last = frames;
          }),
        );
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const stoppedAt = Date.now();
    const exited = draining.terminate();
    // Both pages decode each other's video again, from the other node.
    await expect.poll(() => room.sides.map((s) => s.nodeId), { timeout: 60_000, interval: 250 }).toEqual([other.nodeId]);
    const movedAt = Date.now();
    for (const page of pages) await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
    const backAt = Date.now();
    sampling = false;
    await sampler;
    // The drained node held nothing more and exited (its grace is ten minutes, past this test's time).
    expect(await exited).toBe(0);
    const exitedAt = Date.now();
    console.log(
      `drain move: room off the draining node ${((movedAt - stoppedAt) / 1000).toFixed(2)} s after SIGTERM, both decoding again by ${((backAt - stoppedAt) / 1000).toFixed(2)} s, node exited by ${((exitedAt - stoppedAt) / 1000).toFixed(2)} s; longest stretch without a new frame: ${gaps.map((g) => (g.longest / 1000).toFixed(2)).join(' s and ')} s`,
    );
    // The same people in the same seats, the same group: nobody left or rejoined, no new epoch.
    expect([...(room.sides[0]?.peers ?? [])].sort()).toEqual(peers);
    for (const page of pages) {
      expect(await encryptionState(page)).toBe('encrypted');
      expect(await safetyCode(page)).toBe(before);
    }
    expect(await h.t.platform.redis.get(`media:home:${room.id}`)).toBe(other.nodeId);
  });

  it('moves someone waiting prepared in the lobby too: let in afterwards, they enter with what they prepared on the new node', { timeout: 300_000 }, async () => {
    const { h, nodes, startAnother } = stage();
    for (const page of firstPages) await page.context().close();
    await startAnother(2);
    const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
    const meetingId = String(meeting?._id);
    const circleRoom = () => remoteRoomOf(h.t, String(meeting?.roomId));
    const host = (await h.openCircle(meetingId)).page;
    const member = demoAccounts[3];
    const client = (await h.signIn(member.email, member.password)).page;
    await openSessionById(client, meetingId);
    await client.locator('[data-testid="lobby"][data-prepared="true"]').waitFor({ timeout: 30_000 });
    const room = circleRoom();
    const [side] = room.sides;
    const draining = nodes.find((node) => node.nodeId === side?.nodeId);
    if (!side || !draining) throw new Error('the session is not on a media node');
    expect(side.peers.size).toBe(2);
    const peers = [...side.peers].sort();

    const exited = draining.terminate();
    await expect.poll(() => room.sides.length === 1 && room.sides[0]?.nodeId !== draining.nodeId, { timeout: 60_000, interval: 250 }).toBe(true);
    const target = room.sides[0];
    expect([...(target?.peers ?? [])].sort()).toEqual(peers);
    expect(await exited).toBe(0);
    // Still waiting, still prepared: let in now.
    await client.locator('[data-testid="lobby"][data-prepared="true"]').waitFor({ timeout: 30_000 });
    await host.getByTestId('admit').first().click();
    for (const page of [host, client]) await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
    for (const page of [host, client]) {
      await expect.poll(() => encryptionState(page), { timeout: 60_000, interval: 250 }).toBe('encrypted');
      await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
    }
    expect(await safetyCode(client)).toBe(await safetyCode(host));
    // The client entered with the peer it prepared (and was moved with), not a new one.
    expect([...(room.sides[0]?.peers ?? [])].sort()).toEqual(peers);
    expect(room.sides[0]?.nodeId).toBe(target?.nodeId);
  });
});
