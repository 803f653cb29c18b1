import { randomBytes, randomUUID } from 'node:crypto';
import { createLogger, type MediaNode } from '@care/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MediaNodeRegistry } from '../../server/src/media-nodes/media-node-registry.js';
import { RemoteMediaRooms } from '../../server/src/media-nodes/remote-room-media.js';
import { startMediaNodeHere } from '../support/media-node-here.js';

/*
 * A media node told to stop (SIGTERM runs `drain`) takes no new room: its
 * entry in the registry says 'draining' and new rooms go to the other node;
 * the room it holds carries on (a newcomer still gets in and gets a
 * transport) and, once that room ends, the node exits without waiting out
 * its grace. Two media nodes and a signal node's RemoteMediaRooms, on the
 * real Redis and real mediasoup workers, over the real control channel.
 */

const secret = randomBytes(32).toString('base64');
const redisUrl = `${inject('redisUrl').replace(/\/+$/, '')}/4`;
let redis: Redis;
const nodes: MediaNode[] = [];
let rooms: RemoteMediaRooms;

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
  it('takes no new room, keeps its live one (a newcomer still gets in), and exits once that room ends', { timeout: 60_000 }, async () => {
    const live = await rooms.getOrCreate('live-room', 'group');
    await live.addPeer('first', { held: false });
    const draining = nodes.find((node) => node.nodeId === live.channel.nodeId);
    const other = nodes.find((node) => node !== draining);
    if (!draining || !other) throw new Error('the room is on neither node');

    const drained = draining.drain(30_000);
    await expect.poll(async () => (await new MediaNodeRegistry(redis).nodes()).find((n) => n.nodeId === draining.nodeId)?.state).toBe('draining');

    // New rooms go to the other node, however many are opened.
    for (let index = 0; index < 4; index++) {
      const roomId = `new-room-${index}-${randomUUID()}`;
      await rooms.getOrCreate(roomId, 'pair');
      expect(await homeOf(roomId)).toBe(other.nodeId);
    }
    // The live room carries on where it is.
    await live.addPeer('second', { held: false });
    const transport = await live.createTransport('second', 'send');
    expect(transport.iceCandidates.length).toBeGreaterThan(0);
    expect(draining.roomCount).toBe(1);

    let exited = false;
    void drained.then(() => (exited = true));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(exited).toBe(false);
    // The room ends: its people leave.
    live.removePeer('first');
    live.removePeer('second');
    rooms.releaseIfEmpty('live-room');
    await drained;
    expect(draining.roomCount).toBe(0);
    expect((await new MediaNodeRegistry(redis).nodes()).map((n) => n.nodeId)).toEqual([other.nodeId]);
  });
});
