import type { Role } from '@care/shared';
import type { Database } from '../db/database.js';
import type { InvalidationFeed } from '../node-cache/cache-invalidations.js';
import { idKey } from '../node-cache/id-key.js';
import { NodeCache } from '../node-cache/node-cache.js';

/**
 * What requests need of an account on their way: who it is (the signed-in
 * person's view, a counselor's name in a booking), whether it may act, and
 * the password stamp a sign-in is checked against. No email, password hash,
 * second-factor secret or recovery codes: those are read fresh where needed.
 */
export interface AccountSnapshot {
  readonly id: string;
  readonly displayName: string;
  readonly role: Role;
  readonly timeZone: string;
  readonly locale: string;
  readonly consentAcceptedAt: Date | null;
  readonly active: boolean;
  readonly passwordStamp: string | null;
  readonly totpEnabledAt: Date | null;
}

const fields = { displayName: 1, role: 1, timeZone: 1, locale: 1, consentAcceptedAt: 1, active: 1, passwordStamp: 1, totpEnabledAt: 1 } as const;

/** Accounts this node has read, this many at most (a few kB each at most; the programme has a few thousand people). */
const MAX_ACCOUNTS = 20_000;
/** Read again after a minute even without an invalidation (a writer that died between its write and telling the nodes). */
const MAX_AGE_MS = 60_000;

/**
 * Accounts by id in this node's memory, invalidated on every write to
 * `users` (Database's write reports publish the ids through Redis; every node
 * drops them). Names stay in memory, as `LastKnown` keeps them: never in Redis.
 */
export class AccountCache {
  readonly #cache: NodeCache<AccountSnapshot>;

  constructor(
    private readonly db: Database,
    feed: InvalidationFeed,
  ) {
    this.#cache = new NodeCache(feed, 'accounts', { maxEntries: MAX_ACCOUNTS, maxAgeMs: MAX_AGE_MS });
  }

  /** The account, or null when there is none with this id. */
  get(userId: string): Promise<AccountSnapshot | null> {
    const key = idKey(userId);
    return key ? this.#cache.get(key, (id) => this.#read(id)) : Promise.resolve(null);
  }

  async #read(userId: string): Promise<AccountSnapshot | null> {
    const user = await this.db.users.findById(userId).select(fields).lean();
    if (!user) return null;
    return Object.freeze({
      id: user._id.toString(),
      displayName: user.displayName,
      role: user.role,
      timeZone: user.timeZone,
      locale: user.locale,
      consentAcceptedAt: user.consentAcceptedAt ?? null,
      active: user.active,
      passwordStamp: user.passwordStamp ?? null,
      totpEnabledAt: user.totpEnabledAt ?? null,
    });
  }
}
