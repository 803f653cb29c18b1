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
    // Told of a new primary by the sentinels themselves (+switch-master), not only when the old one stops answering.
    failoverDetector: true,
  };
}

/** Connects this node's main Redis connection (resolves once it answers). */
export async function connectRedis(config: RedisConnectionConfig, log: Logger): Promise<Redis> {
  const options = redisOptions(config);
  const redis = options.sentinels ? new Redis(options) : new Redis(config.REDIS_URL, options);
  redis.on('error', (error) => log.warn({ err: error }, 'redis error'));
  await redis.connect();
  return redis;
}
