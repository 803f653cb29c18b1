import type { FloorState } from '@care/shared';
import type { Redis } from 'ioredis';

/** Floor state lives at most this long (a session plus its join window, with room to spare). */
const FLOOR_TTL_SECONDS = 6 * 3600;

/**
 * The host's decisions about a session, in Redis so every node and every
 * reconnect sees them: the room locked to newcomers, people removed (they
 * cannot come back to this session), the session ended for all, and the
 * raised hands in the order they went up.
 */
export class SessionFloorService {
  constructor(private readonly redis: Redis) {}

  async state(sessionId: string): Promise<FloorState> {
    const [locked, hands] = await Promise.all([
      this.redis.exists(this.#key(sessionId, 'locked')),
      this.redis.zrange(this.#key(sessionId, 'hands'), '0', '-1'),
    ]);
    return { locked: locked === 1, hands };
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
  async setHand(sessionId: string, peerId: string, raised: boolean): Promise<void> {
    const key = this.#key(sessionId, 'hands');
    if (!raised) {
      await this.redis.zrem(key, peerId);
      return;
    }
    await this.redis.multi().zadd(key, 'NX', Date.now(), peerId).expire(key, FLOOR_TTL_SECONDS).exec();
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
