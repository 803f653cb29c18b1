import type { Redis } from 'ioredis';
import { AppError } from '../errors.js';
import type { KeyedHash } from './keyed-hash.js';
import { addressBucket } from './network-address.js';

/**
 * Counts every counter of an attempt before anything is checked, in one
 * script, so N requests sent at once see the counts 1..N and no more than
 * the limit get past (a read-then-check limiter lets them all through). A
 * counter's window starts with its first attempt and is not stretched by
 * later ones.
 */
const COUNT_FIRST = `
local counts = {}
for i, key in ipairs(KEYS) do
  local count = redis.call('INCR', key)
  if count == 1 or redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[1]) end
  counts[i] = count
end
return counts`;

/**
 * A successful attempt: the person's own counters start again (KEYS[1..n-1]),
 * and the address gets its attempt back (KEYS[n]), so an office behind one
 * address spends its budget only on failures. Never below zero, never a
 * counter without an expiry.
 */
const SETTLE_SUCCESS = `
for i = 1, #KEYS - 1 do redis.call('DEL', KEYS[i]) end
local address = KEYS[#KEYS]
local count = tonumber(redis.call('GET', address) or '0')
if count > 1 then redis.call('DECR', address) elseif count == 1 then redis.call('DEL', address) end
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
    const counts = (await this.redis.eval(COUNT_FIRST, counters.length, ...counters.map((c) => c.key), this.rule.windowSeconds)) as number[];
    if (counters.some((counter, i) => (counts[i] ?? Infinity) > counter.limit)) throw new AppError('rate_limited', this.rule.message);
    return {
      succeeded: async () => {
        await this.redis.eval(SETTLE_SUCCESS, counters.length, ...counters.map((c) => c.key));
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

  /** The subject's counters first, the address's last (`SETTLE_SUCCESS` relies on the order). */
  #counters({ subject, address }: AttemptSource): Counter[] {
    const { family, perSubject, perSubjectAndAddress, perAddress } = this.rule;
    const bucket = addressBucket(address);
    const name = (scope: string, value: string) => `ratelimit:${family}:${scope}:${this.hash.of(`${family}:${scope}`, value)}`;
    const counters: Counter[] = [];
    if (subject !== undefined && perSubject !== undefined) counters.push({ key: name('s', subject), limit: perSubject });
    if (subject !== undefined && perSubjectAndAddress !== undefined) {
      counters.push({ key: name('sa', `${subject}\0${bucket}`), limit: perSubjectAndAddress });
    }
    counters.push({ key: name('a', bucket), limit: perAddress });
    return counters;
  }
}
