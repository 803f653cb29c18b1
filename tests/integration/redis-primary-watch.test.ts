import { connectedServer, connectRedis, createLogger, PrimaryWatch, refindPrimary } from '@care/server';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASTER_NAME, SentinelSet } from '../support/sentinel-set.js';

/*
 * The watch on a node's Redis primary (server/src/redis/primary-watch.ts)
 * against a real Sentinel set: quiet while the sentinels confirm the
 * primary; the node stops serving when it cannot hear a majority of them
 * (two of three frozen, as across a cut) and serves again when it can; and
 * an ordinary failover (the primary dies, the replica is promoted) is not
 * taken for a cut: the node's connection was down, not on a stale primary,
 * and it ends on the new primary without ever stopping. The failover comes
 * first: a sentinel frozen for seconds goes into TILT mode for 30 s after,
 * and lets no failover happen then.
 */
const LEASE_MS = 600;
let set: SentinelSet;
let redis: Redis;
let watch: PrimaryWatch;
const events: string[] = [];

beforeAll(async () => {
  set = await SentinelSet.start();
  const sentinels = set.sentinelPorts.map((port) => ({ host: '127.0.0.1', port }));
  const log = createLogger('silent');
  redis = await connectRedis({ REDIS_URL: 'redis://127.0.0.1:1/0', REDIS_SENTINELS: sentinels, REDIS_MASTER_NAME: MASTER_NAME }, log);
  watch = PrimaryWatch.start({
    sentinels,
    masterName: MASTER_NAME,
    leaseMs: LEASE_MS,
    current: () => connectedServer(redis),
    onLost: () => events.push('lost'),
    onRegained: () => events.push('regained'),
    onMoved: () => {
      events.push('moved');
      refindPrimary(redis);
    },
    log,
  });
}, 60_000);

afterAll(async () => {
  watch?.close();
  redis?.disconnect();
  await set?.close();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the watch on the Redis primary', () => {
  it('stays quiet while a majority of sentinels confirms the primary', async () => {
    await pause(LEASE_MS * 4);
    expect(events).toEqual([]);
    expect(watch.serving).toBe(true);
  });

  it('takes an ordinary failover for what it is: the node ends on the new primary without stopping', async () => {
    const { after } = await set.killPrimary();
    await expect.poll(() => connectedServer(redis)?.port, { timeout: 30_000, interval: 100 }).toBe(after);
    expect(await redis.set('care:primary-watch', 'written')).toBe('OK');
    // Long enough for the sentinels to agree, and for a wrong stop to show.
    await pause(LEASE_MS * 4);
    expect(events).not.toContain('lost');
    expect(watch.serving).toBe(true);
  });

  it('stops the node when it cannot hear a majority, and lets it serve again when it can', async () => {
    const frozen = set.sentinelPorts.slice(1);
    set.pause(frozen);
    await expect.poll(() => watch.serving, { timeout: 15_000, interval: 100 }).toBe(false);
    expect(events.filter((event) => event !== 'moved')).toEqual(['lost']);
    // One sentinel still answering is not a majority: the node stays out.
    await pause(LEASE_MS * 2);
    expect(watch.serving).toBe(false);
    set.resume(frozen);
    await expect.poll(() => watch.serving, { timeout: 15_000, interval: 100 }).toBe(true);
    expect(events.filter((event) => event !== 'moved')).toEqual(['lost', 'regained']);
  });
});
