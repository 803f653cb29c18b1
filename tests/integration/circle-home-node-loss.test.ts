import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberPageJoins } from '../support/circle-meeting.js';
import { startCircleOnMediaNodes, type CircleOnMediaNodes } from '../support/circle-on-media-nodes.js';
import { decodedStreams } from '../support/decoded-streams.js';
import { encrypted, safetyCode } from '../support/group-view.js';
import { namespacesUsable } from '../support/network-namespace.js';

/*
 * Issue 14: a circle spanning two media nodes loses its *home* node (the one
 * it opened on, where its record in Redis points and whose speaker the room
 * followed). Two members are on the home node, the third on the far one
 * (MEDIA_ROOM_PEERS_PER_NODE=2), all decoding each other across host pipes.
 * The home node is SIGKILLed: its two members' media moves onto the far
 * node (the room's only node now, crowded rather than refused; their pages
 * make their transports again and keep their seats), the far member is
 * untouched, the room's record names the far node as its home, and all
 * three decode each other's video again in the same MLS group: nobody was
 * sent back to rejoin, the same peers, the same safety code. Namespaces need root: as root
 * (as CI runs) this runs; anyone else is told plainly that it was skipped.
 */

const [, , , first, second] = demoAccounts;
const probe = namespacesUsable();
const why = probe.usable ? undefined : `network namespaces are not usable here (needs root): ${probe.why}`;
if (why) console.warn(`SKIPPED circle-home-node-loss: ${why}`);
let span: CircleOnMediaNodes;
const pages: Page[] = [];

beforeAll(async () => {
  if (why) return;
  span = await startCircleOnMediaNodes(13, { signalEnv: { MEDIA_ROOM_PEERS_PER_NODE: '2' } });
}, 180_000);

afterAll(async () => {
  await span?.close();
});

const room = () => span.room();

describe.skipIf(why)('a circle spanning two media nodes loses its home node', () => {
  it('the home\'s members\' media moves to the far node; the same peers and group decode each other again', { timeout: 480_000 }, async () => {
    const { c, nodes } = span;
    const host = (await c.h.openCircle(c.meetingId)).page;
    pages.push(host, await memberPageJoins(c, host, first as { email: string; password: string }), await memberPageJoins(c, host, second as { email: string; password: string }));
    expect(room().sides.map((side) => side.peers.size)).toEqual([2, 1]);
    for (const page of pages) await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
    for (const page of pages) {
      await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 120_000, interval: 500 }).toBe(2);
      await encrypted(page).waitFor({ timeout: 30_000 });
    }
    const [homeSide, farSide] = room().sides;
    const home = nodes.find((node) => node.nodeId === homeSide?.nodeId);
    const farNode = nodes.find((node) => node.nodeId === farSide?.nodeId);
    if (!home || !farNode || !farSide) throw new Error('the circle is not spread over two nodes');
    expect(await c.h.t.platform.redis.get(`media:home:${c.roomId}`)).toBe(home.nodeId);
    // Everyone keeps their peer throughout: had anyone been sent back to rejoin, they would come back as a new one.
    const peers = room().sides.flatMap((side) => [...side.peers]).sort();
    const code = await safetyCode(pages[0] as Page);

    const killedAt = Date.now();
    await home.kill();
    await expect.poll(() => room().sides.map((side) => side.nodeId), { timeout: 30_000, interval: 250 }).toEqual([farNode.nodeId]);
    // The two are moved onto the far node, which is the room's home now.
    await expect.poll(() => room().sides[0]?.peers.size, { timeout: 120_000, interval: 500 }).toBe(3);
    expect([...(room().sides[0]?.peers ?? [])].sort()).toEqual(peers);
    const rejoinedAt = Date.now();
    await expect.poll(() => c.h.t.platform.redis.get(`media:home:${c.roomId}`), { timeout: 20_000, interval: 500 }).toBe(farNode.nodeId);
    for (const page of pages) {
      await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 120_000, interval: 500 }).toBe(2);
      await encrypted(page).waitFor({ timeout: 60_000 });
      expect(await safetyCode(page)).toBe(code);
    }
    console.log(`home node loss: the two were moved onto the far node ${((rejoinedAt - killedAt) / 1000).toFixed(2)} s after the kill, all decoding after ${((Date.now() - killedAt) / 1000).toFixed(2)} s`);
    // Nothing crosses nodes any more.
    expect(room().pipeCount).toBe(0);
  });
});
