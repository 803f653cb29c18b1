import type { LobbyEntry } from '@care/shared';
import type { Redis } from 'ioredis';
import { z } from 'zod';

const Waiting = z.object({ displayName: z.string(), since: z.string() });

/** Lobby state lives at most this long after the appointment ends. */
const LOBBY_TTL_SECONDS = 6 * 3600;

/**
 * The waiting room, in Redis so every server node sees the same: who is
 * waiting for each appointment, and who the counselor has admitted. Admission
 * lasts for the appointment, so a reload or reconnect does not send someone
 * back to the lobby.
 */
export class LobbyService {
  constructor(private readonly redis: Redis) {}

  async knock(appointmentId: string, userId: string, displayName: string): Promise<LobbyEntry> {
    const since = new Date().toISOString();
    const key = this.#waitingKey(appointmentId);
    await this.redis
      .multi()
      .hset(key, userId, JSON.stringify({ displayName, since }))
      .expire(key, LOBBY_TTL_SECONDS)
      .exec();
    return { appointmentId, userId, displayName, since };
  }

  async waiting(appointmentId: string): Promise<LobbyEntry[]> {
    const all = await this.redis.hgetall(this.#waitingKey(appointmentId));
    const entries: LobbyEntry[] = [];
    for (const [userId, raw] of Object.entries(all)) {
      const parsed = Waiting.safeParse(JSON.parse(raw));
      if (parsed.success) entries.push({ appointmentId, userId, ...parsed.data });
    }
    return entries.sort((a, b) => a.since.localeCompare(b.since));
  }

  /** Returns whether the person was still waiting. */
  async leave(appointmentId: string, userId: string): Promise<boolean> {
    return (await this.redis.hdel(this.#waitingKey(appointmentId), userId)) > 0;
  }

  async admit(appointmentId: string, userId: string): Promise<void> {
    const admittedKey = this.#admittedKey(appointmentId);
    await this.redis
      .multi()
      .sadd(admittedKey, userId)
      .expire(admittedKey, LOBBY_TTL_SECONDS)
      .hdel(this.#waitingKey(appointmentId), userId)
      .exec();
  }

  async isAdmitted(appointmentId: string, userId: string): Promise<boolean> {
    return (await this.redis.sismember(this.#admittedKey(appointmentId), userId)) === 1;
  }

  #waitingKey(appointmentId: string): string {
    return `lobby:${appointmentId}:waiting`;
  }

  #admittedKey(appointmentId: string): string {
    return `lobby:${appointmentId}:admitted`;
  }
}
