import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';

// Delete the key only if it still holds our token: an expired lock taken over
// by another request must not be released by us.
const releaseScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface CircleLockOptions {
  /** A crashed holder blocks the circle for at most this long (Redis expires the key). */
  ttlMs: number;
  /** How long a request waits its turn before it is told to try again. */
  maxWaitMs: number;
}

/**
 * One seat change at a time per circle, in Redis (SET NX with expiry).
 *
 * Not what keeps a circle within capacity: the unique indexes on seat claims
 * do that whatever runs at once. The lock keeps the ORDER fair — who gets the
 * last seat, who is first in line, who a freed seat goes to — by letting each
 * enrol or leave read and write the circle without another one in between.
 * Unlike a booking change (refused when busy: it is one person's booking),
 * many people enrol at once, so a request waits for its turn.
 */
export class CircleLock {
  private readonly options: CircleLockOptions;

  constructor(
    private readonly redis: Redis,
    options: Partial<CircleLockOptions> = {},
  ) {
    this.options = { ttlMs: 10_000, maxWaitMs: 20_000, ...options };
  }

  async hold<T>(circleId: string, change: () => Promise<T>): Promise<T> {
    const key = `circle-seats:${circleId}`;
    const token = randomUUID();
    const giveUpAt = Date.now() + this.options.maxWaitMs;
    for (let attempt = 0; ; attempt++) {
      if ((await this.redis.set(key, token, 'PX', this.options.ttlMs, 'NX')) === 'OK') break;
      if (Date.now() >= giveUpAt) {
        throw new AppError('conflict', 'Many people are joining this circle right now. Please try again in a moment.');
      }
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
