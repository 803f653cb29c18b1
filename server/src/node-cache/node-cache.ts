import type { CacheTopic, InvalidationFeed, StaleKeys } from './cache-invalidations.js';

export interface NodeCacheOptions {
  /** At most this many entries; the oldest goes first. */
  maxEntries: number;
  /**
   * An entry is read again after this long even if no invalidation came: the
   * net under a writer that died between its write and its invalidation.
   */
  maxAgeMs: number;
  now?: () => number;
}

interface Entry<V> {
  value: V;
  storedAt: number;
}

/** A read in progress; `stale` once an invalidation of its key (or everything) arrived while it ran. */
interface Load<V> {
  promise: Promise<V | null>;
  stale: boolean;
}

/**
 * A cache in this node's memory for one topic of the invalidation feed,
 * keyed by id. What it answers is never older than the last invalidation the
 * node applied (the requests themselves wait for the feed to catch up to
 * their sign-in read, `CacheInvalidations.catchUp`):
 * - an invalidation drops the key, and marks a read of it in progress as
 *   stale, so a value read before the write cannot be stored after the
 *   invalidation has passed;
 * - concurrent misses of one key share one read (fifty bookings of one
 *   counselor read their rules once);
 * - while the feed is not live, every get reads through and nothing is kept;
 * - `null` (no such record) is not kept: ids nobody holds cannot fill it.
 */
export class NodeCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #loads = new Map<string, Load<V>>();
  readonly #now: () => number;

  constructor(
    private readonly feed: InvalidationFeed,
    topic: CacheTopic,
    private readonly options: NodeCacheOptions,
  ) {
    this.#now = options.now ?? Date.now;
    feed.on(topic, (keys) => this.#drop(keys));
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string, load: (key: string) => Promise<V | null>): Promise<V | null> {
    if (!this.feed.live) return load(key);
    const entry = this.#entries.get(key);
    if (entry && this.#now() - entry.storedAt < this.options.maxAgeMs) return entry.value;
    const running = this.#loads.get(key);
    if (running && !running.stale) return running.promise;
    const current: Load<V> = { promise: load(key), stale: false };
    this.#loads.set(key, current);
    try {
      const value = await current.promise;
      if (value !== null && !current.stale && this.feed.live) this.#store(key, value);
      return value;
    } finally {
      if (this.#loads.get(key) === current) this.#loads.delete(key);
    }
  }

  #store(key: string, value: V): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, storedAt: this.#now() });
  }

  #drop(keys: StaleKeys): void {
    if (keys === 'all') {
      this.#entries.clear();
      for (const load of this.#loads.values()) load.stale = true;
      this.#loads.clear();
      return;
    }
    for (const key of keys) {
      this.#entries.delete(key);
      const load = this.#loads.get(key);
      if (load) {
        load.stale = true;
        this.#loads.delete(key);
      }
    }
  }
}
