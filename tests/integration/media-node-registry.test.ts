import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MediaNodeRegistry } from '../../server/src/media-nodes/media-node-registry.js';

/*
 * The media-node registry on the real Redis (issue 14, roles): a room goes to
 * the least loaded node that is fresh (written within 5 s) and not draining;
 * its home is recorded once, so signal nodes placing it at the same moment
 * agree; a draining node keeps the rooms it has; a lost node's home is
 * forgotten and the room placed elsewhere.
 */

let redis: Redis;
let clock = Date.now();
const registry = () => new MediaNodeRegistry(redis, () => clock);
const entry = (load: number, state: 'up' | 'draining' = 'up') => ({ nodeId: randomUUID(), address: '10.0.0.1', controlUrl: 'ws://10.0.0.1:4450', load, state });

beforeAll(async () => {
  redis = new Redis(`${inject('redisUrl').replace(/\/+$/, '')}/5`);
  await redis.flushdb();
});

afterAll(async () => {
  await redis?.flushdb();
  redis?.disconnect();
});

describe('the media-node registry', () => {
  it('places a room on the least loaded fresh node that is up, and every signal node placing it at once agrees', async () => {
    const busy = entry(0.7);
    const idle = entry(0.1);
    const draining = entry(0);
    const stale = entry(0);
    clock = Date.now() - 6000;
    await registry().publish(stale);
    clock = Date.now();
    for (const node of [busy, idle, draining]) await registry().publish(node);
    await registry().publish({ ...draining, state: 'draining' });
    const homes = await Promise.all(Array.from({ length: 8 }, () => registry().placeRoom('room-a')));
    expect(new Set(homes.map((home) => home?.nodeId))).toEqual(new Set([idle.nodeId]));
    expect(await redis.get('media:home:room-a')).toBe(idle.nodeId);
  });

  it('a draining node keeps the rooms it has; a node gone silent, or known lost here, does not', async () => {
    const node = entry(0.2);
    const other = entry(0.5);
    await registry().publish(node);
    await registry().publish(other);
    await redis.set('media:home:room-c', node.nodeId);
    await registry().publish({ ...node, state: 'draining' });
    expect((await registry().placeRoom('room-c'))?.nodeId).toBe(node.nodeId);
    expect((await registry().placeRoom('room-c', new Set([node.nodeId])))?.nodeId).not.toBe(node.nodeId);
    clock += 6000;
    expect(await registry().homeOf('room-c')).toBeUndefined();
  });

  it('forgets a home only while it still names the lost node', async () => {
    const lost = entry(0);
    const kept = entry(0);
    await redis.set('media:home:room-d', kept.nodeId);
    await registry().forgetHome('room-d', lost.nodeId);
    expect(await redis.get('media:home:room-d')).toBe(kept.nodeId);
    await registry().forgetHome('room-d', kept.nodeId);
    expect(await redis.get('media:home:room-d')).toBeNull();
  });

  it('a refresh keeps its own home, writes a forgotten one again, and leaves another node\'s alone', async () => {
    const first = entry(0);
    const next = entry(0);
    await redis.set('media:home:room-e', first.nodeId, 'PX', 1000);
    await registry().refreshHome('room-e', first.nodeId);
    expect(await redis.pttl('media:home:room-e')).toBeGreaterThan(1000);
    // The first home was lost; the room lives on on the next node, which records itself.
    await registry().forgetHome('room-e', first.nodeId);
    await registry().refreshHome('room-e', next.nodeId);
    expect(await redis.get('media:home:room-e')).toBe(next.nodeId);
    // Placed elsewhere meanwhile by another signal node: not overwritten.
    await registry().refreshHome('room-e', first.nodeId);
    expect(await redis.get('media:home:room-e')).toBe(next.nodeId);
  });

  it('writes only opaque ids and the nodes\' own addresses', async () => {
    const keys = await redis.keys('*');
    for (const key of keys) expect(key).toMatch(/^media:(nodes|node:[0-9a-f-]{36}|home:room-[a-z])$/);
  });
});
