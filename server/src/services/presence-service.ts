import type { Redis } from 'ioredis';

export const PRESENCE_TTL_MS = 30_000;
export const PRESENCE_HEARTBEAT_MS = 10_000;

/**
 * Who is online, in Redis. Each connection is a member of the user's sorted
 * set, scored by when its heartbeat lapses; the key itself expires too, so a
 * node that dies leaves no one online for longer than the TTL.
 */
export class PresenceService {
  constructor(private readonly redis: Redis) {}

  /** Returns true when this made the user go from offline to online. */
  async connect(userId: string, connectionId: string, now = Date.now()): Promise<boolean> {
    const wasOnline = await this.isOnline(userId, now);
    await this.heartbeat(userId, connectionId, now);
    return !wasOnline;
  }

  async heartbeat(userId: string, connectionId: string, now = Date.now()): Promise<void> {
    const key = this.#key(userId);
    await this.redis
      .multi()
      .zadd(key, now + PRESENCE_TTL_MS, connectionId)
      .zremrangebyscore(key, '-inf', now)
      .pexpire(key, PRESENCE_TTL_MS)
      .exec();
  }

  /** Returns true when this was the user's last live connection. */
  async disconnect(userId: string, connectionId: string, now = Date.now()): Promise<boolean> {
    await this.redis.zrem(this.#key(userId), connectionId);
    return !(await this.isOnline(userId, now));
  }

  async isOnline(userId: string, now = Date.now()): Promise<boolean> {
    return (await this.redis.zcount(this.#key(userId), now, '+inf')) > 0;
  }

  #key(userId: string): string {
    return `presence:${userId}`;
  }
}
