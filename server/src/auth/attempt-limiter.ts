import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { KeyedHash } from './keyed-hash.js';
import { addressBucket } from './network-address.js';

/**
 * Counts an attempt before anything is checked, in one script, so N requests
 * sent at once see the counts 1..N and no more than the limit get past (a
 * read-then-check limiter lets them all through). Counters go narrowest
 * first, and an attempt refused by one is not counted by the wider ones
 * after it: one address hammering one account stops at its own limit
 * without using up the account's limit everywhere, or its office's budget.
 * A counter's window starts with its first attempt and is not stretched by
 * later ones. Returns the position of the counter that refused, or 0.
 */
const COUNT_FIRST = `
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 or redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
  if count > tonumber(ARGV[i + 1]) then return i end
end
return 0`;

/**
 * A successful attempt: the person's own counters start again (every key
 * but the address's, which is KEYS[1]), and the address gets its attempt
 * back, so an office behind one address spends its budget only on
 * failures. Never below zero, never a counter without an expiry.
 */
const SETTLE_SUCCESS = `
for i = 2, #KEYS do redis.call('DEL', KEYS[i]) end
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count > 1 then redis.call('DECR', KEYS[1]) elseif count == 1 then redis.call('DEL', KEYS[1]) end
return 0`;

export interface AttemptRule {
  /** Names the counters ('login', 'totp', …); each family has its own. */
  family: string;
  windowSeconds: number;
  /** Attempts per subject (an account, a link) from any address: distributed guessing. */
  perSubject?: number;
  /** Attempts per subject from one address: the everyday limit, which does not lock the person out elsewhere. */
  perSubjectAndAddress?: number;
  /** Attempts per address across subjects: spraying one guess over many accounts. */
  perAddress: number;
  /** What the refused person reads. */
  message: string;
}

export interface AttemptSource {
  /** What is being tried (an email, an account id, a link token); none when the address is all there is. */
  subject?: string | undefined;
  /** The request's address (`req.ip`). */
  address: string | undefined;
}

/** One counted attempt; call `succeeded` when it worked. */
export interface Attempt {
  succeeded(): Promise<void>;
}

interface Counter {
  /** `sa` subject from an address, `a` an address, `s` a subject. */
  scope: 'sa' | 'a' | 's';
  key: string;
  limit: number;
}

/**
 * Limits attempts of one kind (sign-in, the code step, invite links, …) in
 * Redis, shared by every node. Key names carry a keyed hash of the subject
 * and address, never either one.
 */
export class AttemptLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly hash: KeyedHash,
    readonly rule: AttemptRule,
  ) {}

  /** Counts the attempt, then throws `rate_limited` if any of its counters is past its limit. */
  async begin(source: AttemptSource): Promise<Attempt> {
    const counters = this.#counters(source);
    const keys = counters.map((c) => c.key);
    const refusedBy = (await this.redis.eval(COUNT_FIRST, keys.length, ...keys, this.rule.windowSeconds, ...counters.map((c) => c.limit))) as number;
    if (refusedBy !== 0) throw new AppError('rate_limited', this.rule.message);
    const address = counters.filter((c) => c.scope === 'a').map((c) => c.key);
    const own = counters.filter((c) => c.scope !== 'a').map((c) => c.key);
    return {
      succeeded: async () => {
        await this.redis.eval(SETTLE_SUCCESS, keys.length, ...address, ...own);
      },
    };
  }

  /** Counts and checks around `work`: counted whatever happens, given back only when `work` resolves. */
  async guard<T>(source: AttemptSource, work: () => Promise<T>): Promise<T> {
    const attempt = await this.begin(source);
    const result = await work();
    await attempt.succeeded();
    return result;
  }

  /** Narrowest first: this subject from this address, this address, this subject from anywhere. */
  #counters({ subject, address }: AttemptSource): Counter[] {
    const { family, perSubject, perSubjectAndAddress, perAddress } = this.rule;
    const bucket = addressBucket(address);
    const counter = (scope: Counter['scope'], value: string, limit: number): Counter => ({
      scope,
      key: `ratelimit:${family}:${scope}:${this.hash.of(`${family}:${scope}`, value)}`,
      limit,
    });
    const counters: Counter[] = [];
    if (subject !== undefined && perSubjectAndAddress !== undefined) counters.push(counter('sa', `${subject}\0${bucket}`, perSubjectAndAddress));
    counters.push(counter('a', bucket, perAddress));
    if (subject !== undefined && perSubject !== undefined) counters.push(counter('s', subject, perSubject));
    return counters;
  }
}
