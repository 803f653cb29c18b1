import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';

// Delete the key only if it still holds our token: an expired lock taken over
// by another request must not be released by us.
const releaseScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * One change at a time per booking (reschedule or cancel), in Redis.
 *
 * The database guarantees no double booking on its own (unique indexes), but
 * a change is several writes (insert the new booking, copy the old one to
 * cancelled_appointments, delete it), and two changes of the same booking at
 * once — two tabs, a double click — would each insert a new booking. SET NX
 * makes the second one wait its turn: it is refused with `conflict`. The lock
 * expires by itself (Redis holds expiry here; FerretDB has no TTL indexes),
 * so a crashed request blocks the booking for at most `ttlMs`.
 */
export class BookingChangeLock {
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs = 30_000,
    /** Another thing changed one request at a time the same way (follow-up proposals to one person), with its own keys and words. */
    private readonly subject = { prefix: 'booking-change', busy: 'This booking is being changed in another request. Please reload and try again.' },
  ) {}

  async hold<T>(bookingId: string, change: () => Promise<T>): Promise<T> {
    const key = `${this.subject.prefix}:${bookingId}`;
    const token = randomUUID();
    const acquired = await this.redis.set(key, token, 'PX', this.ttlMs, 'NX');
    if (acquired !== 'OK') {
      throw new AppError('conflict', this.subject.busy);
    }
    try {
      return await change();
    } finally {
      await this.redis.eval(releaseScript, 1, key, token).catch(() => undefined);
    }
  }
}
