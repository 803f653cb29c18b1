import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Role } from '@care/shared';
import { z } from 'zod';

const SessionRecord = z.object({ userId: z.string(), role: Role, createdAt: z.string() });
export type SessionRecord = z.infer<typeof SessionRecord>;

/**
 * Login sessions in Redis. The cookie holds a random token; Redis holds only
 * its SHA-256, so a copy of Redis does not let anyone log in. Sessions slide:
 * each use extends them by the configured lifetime. Each person's session
 * keys are also listed in a set, so all of them can be ended at once (an
 * account deactivated); the set may name sessions that have expired since.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async create(userId: string, role: Role): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const record: SessionRecord = { userId, role, createdAt: new Date().toISOString() };
    const key = this.#key(token);
    await this.redis
      .multi()
      .set(key, JSON.stringify(record), 'EX', this.ttlSeconds)
      .sadd(this.#userKey(userId), key)
      .expire(this.#userKey(userId), this.ttlSeconds)
      .exec();
    return token;
  }

  async get(token: string): Promise<SessionRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const key = this.#key(token);
    const raw = await this.redis.getex(key, 'EX', this.ttlSeconds);
    if (!raw) return undefined;
    const parsed = SessionRecord.safeParse(JSON.parse(raw));
    if (!parsed.success) return undefined;
    await this.redis.expire(this.#userKey(parsed.data.userId), this.ttlSeconds);
    return parsed.data;
  }

  async destroy(token: string): Promise<void> {
    await this.redis.del(this.#key(token));
  }

  /** Ends every session of this person. */
  async destroyAllOf(userId: string): Promise<void> {
    const keys = await this.redis.smembers(this.#userKey(userId));
    await this.redis.del(...keys, this.#userKey(userId));
  }

  #key(token: string): string {
    return `session:${createHash('sha256').update(token).digest('hex')}`;
  }

  #userKey(userId: string): string {
    return `user-sessions:${userId}`;
  }
}
