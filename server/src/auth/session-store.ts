import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Role } from '@care/shared';
import { z } from 'zod';

const SessionRecord = z.object({ userId: z.string(), role: Role, createdAt: z.string() });
export type SessionRecord = z.infer<typeof SessionRecord>;

/**
 * Login sessions in Redis. The cookie holds a random token; Redis holds only
 * its SHA-256, so a copy of Redis does not let anyone log in. Sessions slide:
 * each use extends them by the configured lifetime.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly ttlSeconds: number,
  ) {}

  async create(userId: string, role: Role): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const record: SessionRecord = { userId, role, createdAt: new Date().toISOString() };
    await this.redis.set(this.#key(token), JSON.stringify(record), 'EX', this.ttlSeconds);
    return token;
  }

  async get(token: string): Promise<SessionRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const key = this.#key(token);
    const raw = await this.redis.getex(key, 'EX', this.ttlSeconds);
    if (!raw) return undefined;
    const parsed = SessionRecord.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  async destroy(token: string): Promise<void> {
    await this.redis.del(this.#key(token));
  }

  #key(token: string): string {
    return `session:${createHash('sha256').update(token).digest('hex')}`;
  }
}
