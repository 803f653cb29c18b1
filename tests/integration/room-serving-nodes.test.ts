import { randomUUID } from 'node:crypto';
import { createLogger, RoomServingNodes } from '@care/server';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

/*
 * Which signal node serves a room (issue 14), on the real Redis: the first
 * node to seat someone holds the room; another is refused ('wrong_node')
 * while the holder beats; a holder that stops cleanly gives its rooms up at
 * once, one that dies (its heartbeat stops, nothing given up) loses them
 * when its heartbeat lapses; a room nobody is in any more is let go; a
 * holder held up past its claim's life takes the room again if nobody else
 * did meanwhile.
 */

const redisUrl = `${inject('redisUrl').replace(/\/+$/, '')}/12`;
let redis: Redis;
const log = createLogger('warn');
const nodes: RoomServingNodes[] = [];
const fast = { aliveMs: 1_500, beatMs: 300, claimMs: 5_000, settleMs: 600 };

async function node(stillServing: (roomId: string) => boolean = () => true, timings = fast): Promise<RoomServingNodes> {
  const serving = new RoomServingNodes(redis, stillServing, log, timings);
  await serving.start();
  nodes.push(serving);
  return serving;
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => 'seated',
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );

beforeAll(() => {
  redis = new Redis(redisUrl);
});

afterAll(async () => {
  for (const serving of nodes) await serving.close();
  redis?.disconnect();
});

describe('the signal node that serves a room', () => {
  it('is the first to seat someone there; another is refused while it lives, and may serve once it stopped cleanly', async () => {
    const roomId = randomUUID();
    const a = await node();
    const b = await node();
    await a.claim(roomId);
    // Again on the same node: no question to Redis, no refusal.
    await a.claim(roomId);
    expect(await refusal(b.claim(roomId))).toBe('wrong_node');
    expect(await redis.get(`live:serving:${roomId}`)).toBe(a.nodeId);
    // Still refused a few beats on: the holder keeps its claim alive past the claim's own lifetime.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(await refusal(b.claim(roomId))).toBe('wrong_node');
    await a.close();
    expect(await refusal(b.claim(roomId))).toBe('seated');
    expect(b.holds(roomId)).toBe(true);
  });

  it('passes to another node once a holder that died stops beating', async () => {
    const roomId = randomUUID();
    // A node that beats once and never again, as one SIGKILLed after its first beat.
    const dying = await node(() => true, { ...fast, beatMs: 3_600_000 });
    const b = await node();
    await dying.claim(roomId);
    expect(await refusal(b.claim(roomId))).toBe('wrong_node');
    const started = Date.now();
    await expect.poll(() => refusal(b.claim(roomId)), { timeout: 10_000, interval: 200 }).toBe('seated');
    // Not before its heartbeat lapsed.
    expect(Date.now() - started).toBeGreaterThanOrEqual(fast.aliveMs - 400);
    expect(await redis.get(`live:serving:${roomId}`)).toBe(b.nodeId);
  });

  it('takes a room again whose claim lapsed while it was held up, unless another node claimed it meanwhile', async () => {
    const a = await node();
    const b = await node();
    const lapsed = randomUUID();
    const taken = randomUUID();
    await a.claim(lapsed);
    await a.claim(taken);
    // Both claims run out, as when this node's beats are held up past the claim's life (a stalled event loop).
    await redis.del(`live:serving:${lapsed}`, `live:serving:${taken}`);
    // Meanwhile another node seats someone in one of them.
    expect(await refusal(b.claim(taken))).toBe('seated');
    await expect.poll(() => redis.get(`live:serving:${lapsed}`), { timeout: 5_000, interval: 100 }).toBe(a.nodeId);
    expect(a.holds(lapsed)).toBe(true);
    await expect.poll(() => a.holds(taken), { timeout: 5_000, interval: 100 }).toBe(false);
    expect(await redis.get(`live:serving:${taken}`)).toBe(b.nodeId);
  });

  it('lets a room go once nobody of it is on the node any more, and keeps it while someone is', async () => {
    const kept = randomUUID();
    const left = randomUUID();
    const present = new Set<string>([kept, left]);
    const a = await node((roomId) => present.has(roomId));
    const b = await node();
    await a.claim(kept);
    await a.claim(left);
    present.delete(left);
    await expect.poll(() => redis.get(`live:serving:${left}`), { timeout: 5_000, interval: 100 }).toBeNull();
    expect(a.holds(left)).toBe(false);
    expect(await refusal(b.claim(left))).toBe('seated');
    expect(await refusal(b.claim(kept))).toBe('wrong_node');
    expect(await redis.get(`live:serving:${kept}`)).toBe(a.nodeId);
  });

  it('renews all of its rooms in one Redis command a beat, however many it serves', async () => {
    const own = new Redis(redisUrl);
    const watch = new Redis(redisUrl);
    await own.ping();
    const ownAddress = `${own.stream.localAddress}:${own.stream.localPort}`;
    const serving = new RoomServingNodes(own, () => true, log, fast);
    await serving.start();
    nodes.push(serving);
    const rooms = Array.from({ length: 50 }, () => randomUUID());
    for (const roomId of rooms) await serving.claim(roomId);
    const commands: string[] = [];
    await watch.monitor().then((monitor) => {
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (source === ownAddress) commands.push(String(args[0]).toLowerCase());
      });
      return new Promise((resolve) => setTimeout(resolve, fast.beatMs * 5)).then(() => monitor.disconnect());
    });
    // About five beats in that window: five commands, not fifty rooms' worth each.
    expect(commands.length).toBeGreaterThanOrEqual(3);
    expect(commands.length).toBeLessThanOrEqual(7);
    // And the claims were kept alive by them.
    for (const roomId of rooms) expect(await redis.pttl(`live:serving:${roomId}`)).toBeGreaterThan(fast.claimMs - fast.beatMs * 2);
    await serving.close();
    own.disconnect();
    watch.disconnect();
  });

  it('keeps only opaque ids in Redis', async () => {
    const keys = await redis.keys('live:*');
    for (const key of keys) {
      expect(key).toMatch(/^live:(serving|signal-alive):[0-9a-f-]{36}$/);
      const value = await redis.get(key);
      expect(value).toMatch(/^([0-9a-f-]{36}|1)$/);
    }
  });
});
