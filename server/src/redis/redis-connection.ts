import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';

/*
 * How this node reaches Redis: one server (REDIS_URL), or the primary that a
 * set of sentinels names (REDIS_SENTINELS). Every other connection the node
 * opens (the Socket.IO adapter's, the cache feed's) is a `duplicate()` of
 * this one and inherits the same way of finding the primary.
 *
 * After a failover the old primary either died (its connections close and
 * ioredis asks the sentinels again) or was demoted and still answers, now
 * refusing writes with READONLY: such an answer makes the connection
 * reconnect and resend the command, so it lands on the new primary.
 * Subscriptions are renewed on every reconnection (ioredis' autoResubscribe).
 */

/** Long enough for a sentinel election (a few seconds), short enough that a request does not hang on a dead link. */
const CONNECT_TIMEOUT_MS = 5000;
const MAX_RETRY_DELAY_MS = 2000;

export type RedisConnectionConfig = Pick<Config, 'REDIS_URL' | 'REDIS_SENTINELS' | 'REDIS_MASTER_NAME'>;

/** Reconnects sooner at first, then every 2 s, forever: Redis coming back is always worth waiting for. */
function retryDelay(attempt: number): number {
  return Math.min(100 * 2 ** Math.min(attempt, 5), MAX_RETRY_DELAY_MS);
}

export function redisOptions(config: RedisConnectionConfig): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: true,
    // A command waits for a reconnection (the offline queue) at most twice over; then it fails and the request answers 503.
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: retryDelay,
    reconnectOnError: (error) => (error.message.startsWith('READONLY') ? 2 : false),
  };
  if (!config.REDIS_SENTINELS) return common;
  const url = new URL(config.REDIS_URL);
  const db = Number(url.pathname.replace('/', '') || 0);
  return {
    ...common,
    sentinels: config.REDIS_SENTINELS,
    name: config.REDIS_MASTER_NAME,
    role: 'master',
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(Number.isInteger(db) ? { db } : {}),
    sentinelRetryStrategy: retryDelay,
  };
}

/** Each main connection's duplicates, so all of them can be sent to find the primary again. */
const families = new WeakMap<Redis, Set<Redis>>();

/** Connects this node's main Redis connection (resolves once it answers). */
export async function connectRedis(config: RedisConnectionConfig, log: Logger): Promise<Redis> {
  const options = redisOptions(config);
  const redis = options.sentinels ? new Redis(options) : new Redis(config.REDIS_URL, options);
  redis.on('error', (error) => log.warn({ err: error }, 'redis error'));
  const duplicates = new Set<Redis>();
  families.set(redis, duplicates);
  const duplicate = redis.duplicate.bind(redis);
  redis.duplicate = (override) => {
    const copy = duplicate(override);
    duplicates.add(copy);
    copy.once('end', () => duplicates.delete(copy));
    return copy;
  };
  await redis.connect();
  return redis;
}

/** The server the main connection is on now, while it is up. */
export function connectedServer(redis: Redis): { host: string; port: number } | undefined {
  if (redis.status !== 'ready') return undefined;
  const { remoteAddress, remotePort } = redis.stream ?? {};
  return remoteAddress && remotePort ? { host: remoteAddress, port: remotePort } : undefined;
}

/**
 * Drops the main connection and every duplicate of it as a dead link would:
 * each reconnects, and with Sentinel asks the sentinels again where the
 * primary is (commands waiting for an answer are sent again there;
 * subscriptions are renewed). The socket is destroyed, not ended: over a cut
 * link an end waits for an answer that never comes, and the connection stays.
 */
export function refindPrimary(redis: Redis): void {
  for (const connection of [redis, ...(families.get(redis) ?? [])]) {
    if (connection.status === 'ready' || connection.status === 'connect') connection.stream?.destroy();
  }
}
