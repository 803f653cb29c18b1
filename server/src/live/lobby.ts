import type { Redis } from 'ioredis';
import { z } from 'zod';

const Waiting = z.object({ since: z.string() });

/** Lobby state lives at most this long after the session ends. */
const LOBBY_TTL_SECONDS = 6 * 3600;

/** Someone waiting, as Redis holds it: an account id and since when — never a name. */
export interface WaitingEntry {
  userId: string;
  since: string;
}

/**
 * The waiting room, in Redis so every server node sees the same: who is
 * waiting for each session (account ids and times), and who the host has
 * admitted. Admission lasts for the session, so a reload or reconnect does
 * not send someone back to the lobby. No name is stored here: a copy of
 * Redis must not say who waits for whom; the host's view is given names as
 * it is read (SessionDirectory.nameInRoom).
 */
export class Lobby {
  constructor(private readonly redis: Redis) {}

  async knock(sessionId: string, userId: string): Promise<WaitingEntry> {
    const since = new Date().toISOString();
    const key = this.#waitingKey(sessionId);
    await this.redis
      .multi()
      .hset(key, userId, JSON.stringify({ since }))
      .expire(key, LOBBY_TTL_SECONDS)
      .exec();
    return { userId, since };
  }

  async waiting(sessionId: string): Promise<WaitingEntry[]> {
    const all = await this.redis.hgetall(this.#waitingKey(sessionId));
    const entries: WaitingEntry[] = [];
    for (const [userId, raw] of Object.entries(all)) {
      const parsed = Waiting.safeParse(JSON.parse(raw));
      if (parsed.success) entries.push({ userId, since: parsed.data.since });
    }
    return entries.sort((a, b) => a.since.localeCompare(b.since));
  }

  /** Returns whether the person was still waiting. */
  async leave(sessionId: string, userId: string): Promise<boolean> {
    return (await this.redis.hdel(this.#waitingKey(sessionId), userId)) > 0;
  }

  async admit(sessionId: string, userId: string): Promise<void> {
    const admittedKey = this.#admittedKey(sessionId);
    await this.redis
      .multi()
      .sadd(admittedKey, userId)
      .expire(admittedKey, LOBBY_TTL_SECONDS)
      .hdel(this.#waitingKey(sessionId), userId)
      .exec();
  }

  /** Admits everyone waiting, in one step; returns who they were. */
  async admitAll(sessionId: string): Promise<string[]> {
    const userIds = (await this.waiting(sessionId)).map((e) => e.userId);
    if (userIds.length === 0) return [];
    const admittedKey = this.#admittedKey(sessionId);
    await this.redis
      .multi()
      .sadd(admittedKey, ...userIds)
      .expire(admittedKey, LOBBY_TTL_SECONDS)
      .hdel(this.#waitingKey(sessionId), ...userIds)
      .exec();
    return userIds;
  }

  /** Sends everyone waiting away (the room was locked or ended); returns who they were. */
  async clearWaiting(sessionId: string): Promise<string[]> {
    const key = this.#waitingKey(sessionId);
    const [[, ids]] = ((await this.redis.multi().hkeys(key).del(key).exec()) ?? [[null, []]]) as [[unknown, string[]]];
    return ids;
  }

  async revoke(sessionId: string, userId: string): Promise<void> {
    await this.redis.multi().srem(this.#admittedKey(sessionId), userId).hdel(this.#waitingKey(sessionId), userId).exec();
  }

  async isWaiting(sessionId: string, userId: string): Promise<boolean> {
    return (await this.redis.hexists(this.#waitingKey(sessionId), userId)) === 1;
  }

  async isAdmitted(sessionId: string, userId: string): Promise<boolean> {
    return (await this.redis.sismember(this.#admittedKey(sessionId), userId)) === 1;
  }

  #waitingKey(sessionId: string): string {
    return `lobby:${sessionId}:waiting`;
  }

  #admittedKey(sessionId: string): string {
    return `lobby:${sessionId}:admitted`;
  }
}
