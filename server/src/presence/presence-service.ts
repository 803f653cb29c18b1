import type { Redis } from 'ioredis';

export const PRESENCE_TTL_MS = 30_000;
export const PRESENCE_HEARTBEAT_MS = 10_000;

// Takes a place for a connection among the person's live ones, unless they
// already hold `max`: expired places are dropped first, and the count and the
// add happen in one step, so connections opened together on several nodes
// cannot pass the cap together. Returns -1 when full, else how many live
// connections there were before this one.
const CLAIM = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local live = redis.call('ZCARD', KEYS[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then live = live - 1
elseif live >= tonumber(ARGV[4]) then return -1 end
redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return live
`;

export type ConnectionClaim = 'refused' | 'came-online' | 'already-online';

/**
 * Who is online, in Redis. Each connection is a member of the user's sorted
 * set, scored by when its heartbeat lapses; the key itself expires too, so a
 * node that dies leaves no one online for longer than the TTL. The same set
 * caps how many connections one person may hold across every node.
 */
export class PresenceService {
  constructor(private readonly redis: Redis) {}

  /**
   * Counts a new connection in, unless the person already holds
   * `maxConnections` live ones; says whether it made them come online.
   */
  async connect(userId: string, connectionId: string, maxConnections = Number.MAX_SAFE_INTEGER, now = Date.now()): Promise<ConnectionClaim> {
    const before = (await this.redis.eval(CLAIM, 1, this.#key(userId), String(now), String(PRESENCE_TTL_MS), connectionId, String(maxConnections))) as number;
    if (before < 0) return 'refused';
    return before === 0 ? 'came-online' : 'already-online';
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
