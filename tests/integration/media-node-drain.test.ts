import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger, type MediaNode } from '@care/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MediaNodeRegistry } from '../../server/src/media-nodes/media-node-registry.js';
import { RemoteMediaRooms } from '../../server/src/media-nodes/remote-room-media.js';
import { startMediaNodeHere } from '../support/media-node-here.js';

/*
 * A media node told to stop (SIGTERM runs `drain`) takes no new room: its
 * entry in the registry says 'draining' and new rooms go to the other node.
 * A newcomer to a room it holds is placed on the other node, and the signal
 * node moves the people it has there too (`peerMoved`: their pages make
 * their media again there), so the node holds no room and exits long before
 * its grace. With no other node to go to, its room carries on where it is (a
 * newcomer still gets in and gets a transport) and the node exits once that
 * room ends. Two media nodes and a signal node's RemoteMediaRooms, on the
 * real Redis and real mediasoup workers, over the real control channel.
 */

const secret = randomBytes(32).toString('base64');
const redisUrl = `${inject('redisUrl').replace(/\/+$/, '')}/4`;
let redis: Redis;
const nodes: MediaNode[] = [];
let rooms: RemoteMediaRooms;
let remaining: MediaNode | undefined;

async function mediaNode(): Promise<MediaNode> {
  const node = await startMediaNodeHere(redisUrl, secret);
  nodes.push(node);
  return node;
}

beforeAll(async () => {
  redis = new Redis(redisUrl);
  await redis.flushdb();
  await mediaNode();
  await mediaNode();
  rooms = new RemoteMediaRooms(new MediaNodeRegistry(redis), secret, createLogger('warn'));
});

afterAll(async () => {
  rooms?.closeAll();
  for (const node of nodes) await node.close();
  await redis?.flushdb();
  redis?.disconnect();
});

const homeOf = async (roomId: string) => redis.get(`media:home:${roomId}`);

describe('a media node draining', () => {
  it('takes no new room, places a newcomer to its live room elsewhere, moves that room\'s people off and exits', { timeout: 60_000 }, async () => {
    const live = await rooms.getOrCreate('live-room', 'group');
    await live.addPeer('first', { held: false });
    const moved: string[] = [];
    live.on('peerMoved', ({ peerId }) => moved.push(peerId));
    const draining = nodes.find((node) => node.nodeId === live.channel.nodeId);
    const other = nodes.find((node) => node !== draining);
    if (!draining || !other) throw new Error('the room is on neither node');
    remaining = other;

    const drained = draining.drain(600_000);
    await expect.poll(async () => (await new MediaNodeRegistry(redis).nodes()).find((n) => n.nodeId === draining.nodeId)?.state).toBe('draining');

    // New rooms go to the other node, however many are opened.
    const opened: string[] = [];
    for (let index = 0; index < 4; index++) {
      const roomId = `new-room-${index}-${randomUUID()}`;
      await rooms.getOrCreate(roomId, 'pair');
      expect(await homeOf(roomId)).toBe(other.nodeId);
      opened.push(roomId);
    }
    // A newcomer to the live room goes to the other node, which the room now spans.
    await live.addPeer('second', { held: false });
    expect(live.nodeOf('second')).toBe(other.nodeId);
    const transport = await live.createTransport('second', 'send');
    expect(transport.iceCandidates.length).toBeGreaterThan(0);
    // The one still on the draining node is moved off; the node, left with no room, exits.
    await expect.poll(() => live.nodeOf('first'), { timeout: 10_000, interval: 100 }).toBe(other.nodeId);
    expect(moved).toEqual(['first']);
    // Its grace is ten minutes, past this test's time: exiting at all is exiting for want of rooms.
    await drained;
    expect(draining.roomCount).toBe(0);
    expect(live.sides.map((side) => side.nodeId)).toEqual([other.nodeId]);
    await expect.poll(() => homeOf('live-room'), { timeout: 5_000, interval: 100 }).toBe(other.nodeId);
    const moverTransport = await live.createTransport('first', 'recv');
    expect(moverTransport.iceCandidates.length).toBeGreaterThan(0);
    live.removePeer('first');
    live.removePeer('second');
    for (const roomId of ['live-room', ...opened]) rooms.releaseIfEmpty(roomId);
    await expect.poll(() => other.roomCount, { timeout: 10_000, interval: 100 }).toBe(0);
  });

  it('with no other node to go to, keeps its live room (a newcomer still gets in) and exits once that room ends', { timeout: 60_000 }, async () => {
    // The node the first test drained is gone; the other is the only one left.
    const last = remaining;
    if (!last) throw new Error('no node left');
    const live = await rooms.getOrCreate(`alone-${randomUUID()}`, 'group');
    expect(live.channel.nodeId).toBe(last.nodeId);
    await live.addPeer('first', { held: false });
    const drained = last.drain(600_000);
    await expect.poll(async () => (await new MediaNodeRegistry(redis).nodes()).find((n) => n.nodeId === last.nodeId)?.state).toBe('draining');
    await live.addPeer('second', { held: false });
    expect(live.nodeOf('second')).toBe(last.nodeId);
    const transport = await live.createTransport('second', 'send');
    expect(transport.iceCandidates.length).toBeGreaterThan(0);
    let exited = false;
    void drained.then(() => (exited = true));
    // Longer than the signal node's look at the registry (every 2 s): nothing moved, nothing ended.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(exited).toBe(false);
    expect(live.nodeOf('first')).toBe(last.nodeId);
    live.removePeer('first');
    live.removePeer('second');
    rooms.releaseIfEmpty(live.id);
    // Once its room ended, not at the end of its ten-minute grace (past this test's time).
    await drained;
    expect(last.roomCount).toBe(0);
  });
});
