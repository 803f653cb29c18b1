import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { AppError } from './errors.js';

// Delete the key only if it still holds our token: an expired lock taken over
// by another request must not be released by us.
const releaseScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface TurnLockOptions {
  /** A crashed holder blocks the key for at most this long (Redis expires it). */
  ttlMs: number;
  /** How long a request waits its turn before it is told to try again. */
  maxWaitMs: number;
  /** What the person is told when their turn did not come in time. */
  busyMessage: string;
}

/**
 * One change at a time per key, across every node, in Redis (SET NX with
 * expiry): a request waits for its turn rather than being refused. For a
 * read-then-write rule that FerretDB's conditional updates cannot make atomic
 * (a fair order of seats, the last active administrator).
 */
export class TurnLock {
  constructor(
    private readonly redis: Redis,
    private readonly options: TurnLockOptions,
  ) {}

  async hold<T>(key: string, change: () => Promise<T>): Promise<T> {
    const token = randomUUID();
    const giveUpAt = Date.now() + this.options.maxWaitMs;
    for (let attempt = 0; ; attempt++) {
      if ((await this.redis.set(key, token, 'PX', this.options.ttlMs, 'NX')) === 'OK') break;
      if (Date.now() >= giveUpAt) throw new AppError('conflict', this.options.busyMessage);
      // Short, growing, jittered waits: the holder is usually done in milliseconds.
      await sleep(Math.min(5 + attempt * 5, 50) * (0.5 + Math.random()));
    }
    try {
      return await change();
    } finally {
      await this.redis.eval(releaseScript, 1, key, token).catch(() => undefined);
    }
  }
}
