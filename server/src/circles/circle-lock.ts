import type { Redis } from 'ioredis';
import { TurnLock, type TurnLockOptions } from '../turn-lock.js';

export type CircleLockOptions = Pick<TurnLockOptions, 'ttlMs' | 'maxWaitMs'>;

/**
 * One seat change at a time per circle (a TurnLock on `circle-seats:<id>`).
 *
 * Not what keeps a circle within capacity: the unique indexes on seat claims
 * do that whatever runs at once. The lock keeps the ORDER fair — who gets the
 * last seat, who is first in line, who a freed seat goes to — by letting each
 * enrol or leave read and write the circle without another one in between.
 * Unlike a booking change (refused when busy: it is one person's booking),
 * many people enrol at once, so a request waits for its turn.
 */
export class CircleLock {
  readonly #lock: TurnLock;

  constructor(redis: Redis, options: Partial<CircleLockOptions> = {}) {
    this.#lock = new TurnLock(redis, {
      ttlMs: 10_000,
      maxWaitMs: 20_000,
      busyMessage: 'Many people are joining this circle right now. Please try again in a moment.',
      ...options,
    });
  }

  hold<T>(circleId: string, change: () => Promise<T>): Promise<T> {
    return this.#lock.hold(`circle-seats:${circleId}`, change);
  }
}
