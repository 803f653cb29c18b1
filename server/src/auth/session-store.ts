import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Role } from '@care/shared';
import { z } from 'zod';
import { WRITE_MARK_KEY } from '../node-cache/cache-invalidations.js';

const SessionRecord = z.object({
  /** An opaque id of this sign-in, never the token: its live connections share the room `session:<sid>`. */
  sid: z.string(),
  userId: z.string(),
  role: Role,
  /** When the sign-in began (ISO). */
  createdAt: z.string(),
  /** The absolute end, ms since the epoch: no activity keeps a sign-in past it. */
  expiresAt: z.number(),
  /** The account's password stamp when the password was checked; a later password change makes the sign-in void. */
  passwordStamp: z.string().nullable(),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

/** A live sign-in as the server sees it: the record and `ref`, the handle for refreshing it without the token. */
export type Session = SessionRecord & { ref: string };

/**
 * A sign-in as a request reads it, with the number of cache invalidations
 * sent before that moment (`WRITE_MARK_KEY`), read in the same command: the
 * node's caches must have applied that many before they answer the request.
 */
export type ReadSession = Session & { writeMark: number };

export interface SessionLifetimes {
  /** Without a request for this long, the sign-in ends. */
  idleSeconds: number;
  /** After this long, it ends whatever happens. */
  maxSeconds: number;
}

/**
 * Reads a sign-in and, if it is still valid, gives it another idle period,
 * never reaching past its absolute end; past that end it is deleted. One
 * script, so a refresh can never resurrect a sign-in being ended. It also
 * returns the cache invalidations' write mark (KEYS[2]): no extra command.
 */
const READ_AND_REFRESH = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local ok, record = pcall(cjson.decode, raw)
if not ok or type(record) ~= 'table' or type(record.expiresAt) ~= 'number' then return false end
local left = record.expiresAt - tonumber(ARGV[1])
if left <= 0 then
  redis.call('DEL', KEYS[1])
  return false
end
redis.call('PEXPIRE', KEYS[1], math.min(tonumber(ARGV[2]), left))
return { raw, redis.call('GET', KEYS[2]) or '0' }`;

const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Sign-ins in Redis. The cookie holds a random token; Redis holds only its
 * SHA-256, so a copy of Redis does not let anyone sign in. A sign-in has an
 * idle lifetime, renewed by each use, and an absolute one that nothing
 * renews. Each person's sign-ins are also listed (key → sid), so all of them,
 * or all but one, can be ended at once; the list may name sign-ins that have
 * expired since.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly lifetimes: SessionLifetimes,
  ) {}

  /** A new sign-in: a fresh token and sid. */
  async create(user: { userId: string; role: Role; passwordStamp: string | null }): Promise<{ token: string; session: Session }> {
    const now = Date.now();
    return this.#store({ ...user, createdAt: new Date(now).toISOString(), expiresAt: now + this.lifetimes.maxSeconds * 1000 });
  }

  /**
   * The same sign-in under a new token and sid (a second factor turned on or
   * off, a password changed): the old token stops working at once. The
   * absolute end stays where it was.
   */
  async renew(session: Session, changes: { passwordStamp?: string | null } = {}): Promise<{ token: string; session: Session }> {
    const renewed = await this.#store({
      userId: session.userId,
      role: session.role,
      createdAt: session.createdAt,
      expiresAt: session.expiresAt,
      passwordStamp: changes.passwordStamp === undefined ? session.passwordStamp : changes.passwordStamp,
    });
    await this.#remove(session.userId, [session.ref]);
    return renewed;
  }

  /** The sign-in behind a cookie token, renewed for another idle period; undefined when there is none (any more). */
  async get(token: string): Promise<ReadSession | undefined> {
    if (!TOKEN.test(token)) return undefined;
    return this.#refresh(this.#key(token));
  }

  /** Renews by `ref` (a live connection's activity) and says how long the sign-in now has (ms); undefined when it is over. */
  async keepAlive(ref: string): Promise<number | undefined> {
    const now = Date.now();
    const session = await this.#refresh(ref, now);
    return session ? Math.min(this.lifetimes.idleSeconds * 1000, session.expiresAt - now) : undefined;
  }

  async #refresh(ref: string, now = Date.now()): Promise<ReadSession | undefined> {
    const read = (await this.redis.eval(READ_AND_REFRESH, 2, ref, WRITE_MARK_KEY, now, this.lifetimes.idleSeconds * 1000)) as [string, string] | null;
    const session = read ? this.#parse(ref, read[0]) : undefined;
    return session && { ...session, writeMark: Number(read?.[1]) || 0 };
  }

  /** How long the sign-in has left as things stand (idle or absolute, whichever ends first), without renewing it. */
  async timeLeft(ref: string): Promise<number | undefined> {
    const [[, raw], [, ttl]] = (await this.redis.multi().get(ref).pttl(ref).exec()) as [[unknown, string | null], [unknown, number]];
    if (!raw || ttl <= 0) return undefined;
    const session = this.#parse(ref, raw);
    if (!session) return undefined;
    const left = Math.min(ttl, session.expiresAt - Date.now());
    return left > 0 ? left : undefined;
  }

  /** Ends the sign-in behind a token; returns what it was, so its connections can be ended too. */
  async destroy(token: string): Promise<Session | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const ref = this.#key(token);
    const raw = await this.redis.get(ref);
    const session = raw ? this.#parse(ref, raw) : undefined;
    if (session) await this.remove(session);
    else await this.redis.del(ref);
    return session;
  }

  /** Ends one sign-in. */
  async remove(session: Pick<Session, 'userId' | 'ref'>): Promise<void> {
    await this.#remove(session.userId, [session.ref]);
  }

  /** Ends every sign-in of this person, or every one but `exceptRef`; returns their sids. */
  async destroyAllOf(userId: string, exceptRef?: string): Promise<string[]> {
    const listed = await this.redis.hgetall(this.#userKey(userId));
    const refs = Object.keys(listed).filter((ref) => ref !== exceptRef);
    await this.#remove(userId, refs);
    return refs.map((ref) => listed[ref] ?? '').filter(Boolean);
  }

  async #store(fields: Omit<SessionRecord, 'sid'>): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const record: SessionRecord = { sid: randomBytes(16).toString('base64url'), ...fields };
    const ref = this.#key(token);
    const ttlMs = Math.max(1, Math.min(this.lifetimes.idleSeconds * 1000, record.expiresAt - Date.now()));
    const userKey = this.#userKey(record.userId);
    await this.redis
      .multi()
      .set(ref, JSON.stringify(record), 'PX', ttlMs)
      .hset(userKey, ref, record.sid)
      // The newest sign-in always ends last: the list lives as long as it can.
      .expire(userKey, this.lifetimes.maxSeconds)
      .exec();
    return { token, session: { ...record, ref } };
  }

  async #remove(userId: string, refs: string[]): Promise<void> {
    if (refs.length === 0) return;
    await this.redis.multi().del(...refs).hdel(this.#userKey(userId), ...refs).exec();
  }

  #parse(ref: string, raw: string): Session | undefined {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const parsed = SessionRecord.safeParse(json);
    return parsed.success ? { ...parsed.data, ref } : undefined;
  }

  #key(token: string): string {
    return `session:${createHash('sha256').update(token).digest('hex')}`;
  }

  #userKey(userId: string): string {
    return `user-sessions:${userId}`;
  }
}
