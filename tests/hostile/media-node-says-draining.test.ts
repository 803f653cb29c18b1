import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RemoteRoomMedia } from '../../server/src/media-nodes/remote-room-media.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { remoteRoomOf } from '../support/circle-on-media-nodes.js';
import { decodedStreams } from '../support/decoded-streams.js';
import { safetyCode } from '../support/group-view.js';
import { MediaNodeProcess } from '../support/media-node-process.js';
import { namespacesUsable } from '../support/network-namespace.js';
import { tapServerEmits } from '../support/operator-tap.js';
import { encryptionState } from '../support/session-flow.js';

/*
 * A media node that says it is draining when it is not, again and again
 * (a bug, or a node someone took over). The `draining` control event names
 * no node and no room: a node can only say it of itself, and only the
 * people whose media is on it move. What it must not do: move anyone off
 * another node, or move someone more than once for a burst of the same
 * word. Here a 1:1 spans two of three media nodes (one person per node,
 * `MEDIA_ROOM_PEERS_PER_NODE=1`): the counselor's media on one, the ASN's on
 * another. The ASN's node says "draining" a hundred times in one burst: the
 * ASN's page is told its media moved exactly once, to the third node, the
 * counselor's never; both decode each other again, with the same safety
 * code. The events are put on the signal node's control channel to that
 * node as its socket delivers them (after their schema), since an honest
 * media node says `draining` only when it really drains.
 * Namespaces need root: as root (as CI runs) this runs; anyone else is told
 * plainly that it was skipped.
 */

const probe = namespacesUsable();
const why = probe.usable ? undefined : `network namespaces are not usable here (needs root): ${probe.why}`;
if (why) console.warn(`SKIPPED media-node-says-draining: ${why}`);
const secret = randomBytes(32).toString('base64');
// A Redis database of its own: the media-node registry is global to a database.
const redisUrl = `${inject('redisUrl').replace(/\/+$/, '')}/3`;
let nodes: MediaNodeProcess[] = [];
let h: BrowserHarness;

beforeAll(async () => {
  if (why) return;
  nodes = await MediaNodeProcess.startPair(redisUrl, { MEDIA_CONTROL_SECRET: secret });
  nodes.push(await MediaNodeProcess.start(2, redisUrl, { MEDIA_CONTROL_SECRET: secret }));
  h = await BrowserHarness.start({ CARE_ROLE: 'signal', MEDIA_CONTROL_SECRET: secret, REDIS_URL: redisUrl, MEDIA_ROOM_PEERS_PER_NODE: '1' });
}, 180_000);

afterAll(async () => {
  await Promise.all([h?.close(), ...nodes.map((node) => node.stop())]);
});

/** Says `draining` on the signal node's control channel to `nodeId`, `times` times in one burst. */
function saysDraining(room: RemoteRoomMedia, nodeId: string, times: number): void {
  const side = room.sides.find((s) => s.nodeId === nodeId);
  if (!side) throw new Error(`the signal node has no channel to ${nodeId} for this room`);
  for (let i = 0; i < times; i++) side.channel.emit('event', { type: 'event', event: 'draining' });
}

describe.skipIf(why)('a media node that keeps saying it drains', () => {
  it('moves only the people on it, once for a burst, and nobody on another node', { timeout: 300_000 }, async () => {
    const told = new Map<string, number>();
    const untap = tapServerEmits(h.t.platform, (connection, event, payload) => {
      if (event === 'room:media-moved') told.set(connection, (told.get(connection) ?? 0) + 1);
      return payload;
    });
    try {
      const { host, client } = await h.sessionPair();
      for (const page of [host.page, client.page]) {
        await expect.poll(() => encryptionState(page), { timeout: 60_000, interval: 250 }).toBe('encrypted');
        await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
      }
      const before = await safetyCode(host.page);
      const roomId = String((await h.t.platform.db.appointments.findOne({}))?.roomId);
      const room = remoteRoomOf(h.t, roomId);
      const placed = () => new Map(room.sides.flatMap((side) => [...side.peers].map((peerId) => [peerId, side.nodeId] as const)));
      const start = placed();
      expect(new Set(start.values()).size).toBe(2);
      // Who is who: the server logs each seat's opaque peer id and whether it hosts.
      const seats = h.t.logs.filter((line) => line.includes('"msg":"peer joined"')).map((line) => JSON.parse(line) as { peerId: string; host: boolean });
      const hostPeer = seats.find((seat) => seat.host)?.peerId;
      const clientPeer = seats.find((seat) => !seat.host)?.peerId;
      const hostNode = hostPeer && start.get(hostPeer);
      const clientNode = clientPeer && start.get(clientPeer);
      const third = nodes.find((node) => node.nodeId !== hostNode && node.nodeId !== clientNode);
      if (!hostPeer || !clientPeer || !hostNode || !clientNode || !third) throw new Error('the 1:1 does not span two of the three nodes');

      saysDraining(room, clientNode, 100);
      await expect.poll(() => placed().get(clientPeer), { timeout: 60_000, interval: 250 }).toBe(third.nodeId);
      for (const page of [host.page, client.page]) await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
      await host.page.waitForTimeout(3000);
      // One move, told once, to the one whose media was there; the other never moved.
      expect(placed().get(hostPeer)).toBe(hostNode);
      expect([...told.values()]).toEqual([1]);
      for (const page of [host.page, client.page]) {
        expect(await encryptionState(page)).toBe('encrypted');
        expect(await safetyCode(page)).toBe(before);
      }
    } finally {
      untap();
    }
  });
});
