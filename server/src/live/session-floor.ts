import type { Redis } from 'ioredis';

/** Floor state lives at most this long (a session plus its join window, with room to spare). */
const FLOOR_TTL_SECONDS = 6 * 3600;

/**
 * The host's decisions about a session, in Redis so every node and every
 * reconnect sees them: the room locked to newcomers, people removed (they
 * cannot come back to this session), the session ended for all, and the
 * raised hands in the order they went up. Hands are kept by account, not by
 * connection, so a hand stays up, in its place, across a dropped connection.
 */
export class SessionFloor {
  constructor(private readonly redis: Redis) {}

  /** Whether the room is locked, and the account ids of the raised hands, first raised first. */
  async state(sessionId: string): Promise<{ locked: boolean; handsByUser: string[] }> {
    const [locked, handsByUser] = await Promise.all([
      this.redis.exists(this.#key(sessionId, 'locked')),
      this.redis.zrange(this.#key(sessionId, 'hands'), '0', '-1'),
    ]);
    return { locked: locked === 1, handsByUser };
  }

  async setLocked(sessionId: string, locked: boolean): Promise<void> {
    const key = this.#key(sessionId, 'locked');
    if (locked) await this.redis.set(key, '1', 'EX', FLOOR_TTL_SECONDS);
    else await this.redis.del(key);
  }

  async isLocked(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(this.#key(sessionId, 'locked'))) === 1;
  }

  /** Raises or lowers a hand; a hand keeps its place in the queue while it stays up. */
  async setHand(sessionId: string, userId: string, raised: boolean): Promise<void> {
    const key = this.#key(sessionId, 'hands');
    if (!raised) {
      await this.redis.zrem(key, userId);
      return;
    }
    await this.redis.multi().zadd(key, 'NX', Date.now(), userId).expire(key, FLOOR_TTL_SECONDS).exec();
  }

  async remove(sessionId: string, userId: string): Promise<void> {
    const key = this.#key(sessionId, 'removed');
    await this.redis.multi().sadd(key, userId).expire(key, FLOOR_TTL_SECONDS).exec();
  }

  async isRemoved(sessionId: string, userId: string): Promise<boolean> {
    return (await this.redis.sismember(this.#key(sessionId, 'removed'), userId)) === 1;
  }

  async end(sessionId: string): Promise<void> {
    await this.redis
      .multi()
      .set(this.#key(sessionId, 'ended'), '1', 'EX', FLOOR_TTL_SECONDS)
      .del(this.#key(sessionId, 'hands'), this.#key(sessionId, 'locked'))
      .exec();
  }

  async isEnded(sessionId: string): Promise<boolean> {
    return (await this.redis.exists(this.#key(sessionId, 'ended'))) === 1;
  }

  #key(sessionId: string, part: 'locked' | 'removed' | 'ended' | 'hands'): string {
    return `floor:${sessionId}:${part}`;
  }
}
