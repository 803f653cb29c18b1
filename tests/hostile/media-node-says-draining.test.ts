import { describe, expect, it } from 'vitest';
import type { RemoteRoomMedia } from '../../server/src/media-nodes/remote-room-media.js';
import { remoteRoomOf } from '../support/circle-on-media-nodes.js';
import { decodedStreams } from '../support/decoded-streams.js';
import { safetyCode } from '../support/group-view.js';
import { tapServerEmits } from '../support/operator-tap.js';
import { encryptionState } from '../support/session-flow.js';
import { useSignalOnMediaNodes } from '../support/signal-on-media-nodes.js';

/*
 * A media node that says it is draining when it is not, again and again
 * (a bug, or a node someone took over). The `draining` control event names
 * no node and no room: a node can only say it of itself. And it is only a
 * cue to look at the registry now: the signal node moves people off a node
 * only when the registry says that node drains (a node told to stop writes
 * so there first), so a node that says it while its entry says 'up' moves
 * nobody. Here a live 1:1 is on one of two media nodes. Its node says
 * "draining" a hundred times in one burst: nothing moves, no page is told
 * anything, both keep decoding. Then the node is really told to stop
 * (SIGTERM) and says it a hundred times more: each page is told its media
 * moved exactly once, and both decode each other again from the other
 * node, with the same safety code. The bursts are put on the signal node's
 * control channel to that node as its socket delivers events (after their
 * schema), since an honest media node says `draining` once.
 * Namespaces need root: as root (as CI runs) this runs; anyone else is told
 * plainly that it was skipped.
 */

// A Redis database of its own (3): the media-node registry is global to a database.
const { skipped, stage } = useSignalOnMediaNodes('media-node-says-draining', 3);

/** Says `draining` on the signal node's control channel to `nodeId`, `times` times in one burst. */
function saysDraining(room: RemoteRoomMedia, nodeId: string, times: number): void {
  const side = room.sides.find((s) => s.nodeId === nodeId);
  if (!side) throw new Error(`the signal node has no channel to ${nodeId} for this room`);
  for (let i = 0; i < times; i++) side.channel.emit('event', { type: 'event', event: 'draining' });
}

describe.skipIf(skipped)('a media node that keeps saying it drains', () => {
  it('moves nobody while the registry says it is up, and each person once when it really drains', { timeout: 300_000 }, async () => {
    const { h, nodes } = stage();
    const told = new Map<string, number>();
    const untap = tapServerEmits(h.t.platform, (connection, event, payload) => {
      if (event === 'room:media-moved') told.set(connection, (told.get(connection) ?? 0) + 1);
      return payload;
    });
    try {
      const { host, client } = await h.sessionPair();
      const pages = [host.page, client.page];
      for (const page of pages) {
        await expect.poll(() => encryptionState(page), { timeout: 60_000, interval: 250 }).toBe('encrypted');
        await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
      }
      const before = await safetyCode(host.page);
      const roomId = String((await h.t.platform.db.appointments.findOne({}))?.roomId);
      const room = remoteRoomOf(h.t, roomId);
      const peopleOn = () => room.sides.filter((side) => side.peers.size > 0).map((side) => side.nodeId);
      const [home] = peopleOn();
      const homeNode = nodes.find((node) => node.nodeId === home);
      const other = nodes.find((node) => node.nodeId !== home);
      if (!home || !homeNode || !other) throw new Error('the 1:1 is not on a media node');

      // A lie: the registry says the node is up.
      saysDraining(room, home, 100);
      await host.page.waitForTimeout(4000);
      expect(told.size).toBe(0);
      expect(peopleOn()).toEqual([home]);
      for (const page of pages) expect(await decodedStreams(page, 'video', 1000)).toBe(1);

      // Told to stop for real (the registry says so), and a burst on top: each page moves once.
      const exited = homeNode.terminate();
      saysDraining(room, home, 100);
      await expect.poll(peopleOn, { timeout: 60_000, interval: 250 }).toEqual([other.nodeId]);
      for (const page of pages) await expect.poll(() => decodedStreams(page, 'video', 1000), { timeout: 60_000, interval: 500 }).toBe(1);
      await host.page.waitForTimeout(3000);
      expect([...told.values()]).toEqual([1, 1]);
      for (const page of pages) {
        expect(await encryptionState(page)).toBe('encrypted');
        expect(await safetyCode(page)).toBe(before);
      }
      expect(await exited).toBe(0);
    } finally {
      untap();
    }
  });
});
