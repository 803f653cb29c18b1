import type { PresenceStatus } from '@care/shared';
import type { Redis } from 'ioredis';

/** How long a connection stays counted without a heartbeat (PRESENCE_TTL_SECONDS; shorter only on a test's own server). */
export const PRESENCE_TTL_MS = 30_000;

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
 * Of a person's connections, those hosting a session now (live ones only),
 * and for each the people who take part in that session: to them it is not
 * "another session". ARGV: now. Returns [online (0/1), ...JSON per hosting connection].
 */
const HOSTING = `
local live = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf')
local out = { #live > 0 and 1 or 0 }
if #live == 0 then return out end
local hosting = redis.call('HGETALL', KEYS[2])
local alive = {}
for _, c in ipairs(live) do alive[c] = true end
for i = 1, #hosting, 2 do
  if alive[hosting[i]] then out[#out + 1] = hosting[i + 1] end
end
return out
`;

/**
 * Who is online, in Redis. Each connection is a member of the user's sorted
 * set, scored by when its heartbeat lapses; the key itself expires too, so a
 * node that dies leaves no one online for longer than the TTL. The same set
 * caps how many connections one person may hold across every node.
 */
export class PresenceService {
  /** Three heartbeats per TTL: a live connection lapses only when two in a row are late or lost. */
  readonly heartbeatMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly ttlMs = PRESENCE_TTL_MS,
  ) {
    this.heartbeatMs = ttlMs / 3;
  }

  /**
   * Counts a new connection in, unless the person already holds
   * `maxConnections` live ones; says whether it made them come online.
   */
  async connect(userId: string, connectionId: string, maxConnections = Number.MAX_SAFE_INTEGER, now = Date.now()): Promise<ConnectionClaim> {
    const before = (await this.redis.eval(CLAIM, 1, this.#key(userId), String(now), String(this.ttlMs), connectionId, String(maxConnections))) as number;
    if (before < 0) return 'refused';
    return before === 0 ? 'came-online' : 'already-online';
  }

  async heartbeat(userId: string, connectionId: string, now = Date.now()): Promise<void> {
    const key = this.#key(userId);
    await this.redis
      .multi()
      .zadd(key, now + this.ttlMs, connectionId)
      .zremrangebyscore(key, '-inf', now)
      .pexpire(key, this.ttlMs)
      .pexpire(this.#hostingKey(userId), this.ttlMs)
      .exec();
  }

  /** Returns true when this was the user's last live connection. */
  async disconnect(userId: string, connectionId: string, now = Date.now()): Promise<boolean> {
    await this.redis.multi().zrem(this.#key(userId), connectionId).hdel(this.#hostingKey(userId), connectionId).exec();
    return !(await this.isOnline(userId, now));
  }

  /**
   * The connection now hosts a session in which `takingPart` (account ids;
   * none for a circle, whose members stay unnamed here) take part. Called in
   * the order rooms are entered and left, so a rejoin's leave and enter keep
   * their order on the one Redis connection.
   */
  async startedHosting(userId: string, connectionId: string, takingPart: readonly string[]): Promise<void> {
    const key = this.#hostingKey(userId);
    await this.redis.multi().hset(key, connectionId, JSON.stringify(takingPart)).pexpire(key, this.ttlMs).exec();
  }

  async stoppedHosting(userId: string, connectionId: string): Promise<void> {
    await this.redis.hdel(this.#hostingKey(userId), connectionId);
  }

  /**
   * How `viewerId` sees `userId`: offline, online, or in a session — one the
   * viewer does not take part in (a counselor still in the session before
   * theirs), never the one they wait for.
   */
  async statusFor(userId: string, viewerId: string, now = Date.now()): Promise<PresenceStatus> {
    const views = await this.views(userId, now);
    return views.own.get(viewerId) ?? views.everyone;
  }

  /**
   * How every viewer sees `userId`, in one read: as anyone sees them, and
   * apart from that, those who take part in each session they host (the
   * client of that very session), who see them online.
   */
  async views(userId: string, now = Date.now()): Promise<{ everyone: PresenceStatus; own: Map<string, PresenceStatus> }> {
    const [online, ...hosting] = (await this.redis.eval(HOSTING, 2, this.#key(userId), this.#hostingKey(userId), String(now))) as [number, ...string[]];
    if (online !== 1) return { everyone: 'offline', own: new Map() };
    if (hosting.length === 0) return { everyone: 'online', own: new Map() };
    const takingPart = hosting.map((entry) => JSON.parse(entry) as string[]);
    const inEvery = takingPart[0]!.filter((viewerId) => takingPart.every((those) => those.includes(viewerId)));
    return { everyone: 'in_session', own: new Map(inEvery.map((viewerId) => [viewerId, 'online' as const])) };
  }

  async isOnline(userId: string, now = Date.now()): Promise<boolean> {
    return (await this.redis.zcount(this.#key(userId), now, '+inf')) > 0;
  }

  #key(userId: string): string {
    return `presence:${userId}`;
  }

  #hostingKey(userId: string): string {
    return `presence:${userId}:hosting`;
  }
}
