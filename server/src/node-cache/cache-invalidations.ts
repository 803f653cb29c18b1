import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';

/** The number of writes any node's cache has been told of, across all nodes; each sign-in read reports it (session-store.ts). */
export const WRITE_MARK_KEY = 'node-cache:writes';
export const INVALIDATION_CHANNEL = 'node-cache:invalidations';
/** The feed's own connection, named so an operator can find it in CLIENT LIST. */
export const FEED_CONNECTION_NAME = 'care-cache-invalidations';
/** How long a request waits for an invalidation it knows was sent before the node stops trusting its feed. */
const CATCH_UP_MS = 500;
const RESYNC_RETRY_MS = 1000;

/** What the nodes cache: accounts by user id, availability rules by counselor id. */
export const CacheTopic = z.enum(['accounts', 'rules']);
export type CacheTopic = z.infer<typeof CacheTopic>;

/** Which keys of a topic a write made stale: some, or (a write by a filter that names no ids) all of them. */
export type StaleKeys = readonly string[] | 'all';

const Message = z.object({
  seq: z.number().int().positive(),
  topic: CacheTopic,
  keys: z.union([z.array(z.string().max(64)).max(10_000), z.literal('all')]),
});

/**
 * One step: the write gets the next number and its invalidation goes out
 * under it, so numbers and messages are in the same order on every node.
 */
const PUBLISH = `
local seq = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', ARGV[1], cjson.encode({ seq = seq, topic = ARGV[2], keys = cjson.decode(ARGV[3]) }))
return seq`;

/** What a node cache needs of the feed (a unit test gives it one of its own). */
export interface InvalidationFeed {
  /** False while the node may have missed an invalidation: caches then read through and keep nothing. */
  readonly live: boolean;
  on(topic: CacheTopic, listener: (keys: StaleKeys) => void): void;
}

/**
 * Invalidations of the node caches, through Redis: a writer publishes which
 * keys it changed, every node (itself included) drops them.
 *
 * Pub/sub alone would leave a gap: a node could read its cache after the
 * write's answer has gone but before the message reached it. So every
 * invalidation is numbered (`WRITE_MARK_KEY`, incremented in the same script
 * that publishes it), the sign-in read of each request returns the current
 * number in the same Redis command, and the request waits (`catchUp`) until
 * this node has applied every invalidation up to it — in practice it already
 * has, since the message left Redis before the number was read. Whatever
 * was written before a request began is then seen by it, on any node.
 *
 * While the subscription is down (or was, since the last resync), the node
 * may have missed messages: `live` is false, caches read through, and on
 * reconnection every cache is emptied before the node trusts its feed again.
 */
export class CacheInvalidations implements InvalidationFeed {
  readonly #listeners = new Map<CacheTopic, Set<(keys: StaleKeys) => void>>();
  readonly #waiting = new Set<{ seq: number; resolve: () => void }>();
  #applied = 0;
  #live = false;
  #resyncing = false;
  #drops = 0;
  #lastSeq: number | undefined;
  #closed = false;

  private constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly log: Logger,
  ) {}

  /** Subscribes on a connection of its own; resolves once the feed is live. */
  static async start(redis: Redis, log: Logger): Promise<CacheInvalidations> {
    const feed = new CacheInvalidations(redis, redis.duplicate({ lazyConnect: true, connectionName: FEED_CONNECTION_NAME }), log);
    await feed.#listen();
    return feed;
  }

  get live(): boolean {
    return this.#live;
  }

  on(topic: CacheTopic, listener: (keys: StaleKeys) => void): void {
    const listeners = this.#listeners.get(topic) ?? new Set();
    listeners.add(listener);
    this.#listeners.set(topic, listeners);
  }

  /**
   * Tells every node (this one included) that a write changed these keys.
   * Called after the write and before its answer: a request that begins
   * after the answer is then never served what the write replaced.
   */
  async publish(topic: CacheTopic, keys: StaleKeys): Promise<void> {
    if (keys !== 'all' && keys.length === 0) return;
    await this.redis.eval(PUBLISH, 1, WRITE_MARK_KEY, INVALIDATION_CHANNEL, topic, JSON.stringify(keys));
  }

  /**
   * Waits until this node has applied every invalidation numbered up to
   * `mark` (what the request's sign-in read saw). A feed that falls behind
   * by more than a moment is not trusted: it reconnects, and the caches read
   * through until it is live again.
   */
  async catchUp(mark: number): Promise<void> {
    if (!this.#live || this.#applied >= mark) return;
    let waiter: { seq: number; resolve: () => void } | undefined;
    const outcome = await new Promise<'reached' | 'late'>((resolve) => {
      const timer = setTimeout(() => resolve('late'), CATCH_UP_MS);
      waiter = {
        seq: mark,
        resolve: () => {
          clearTimeout(timer);
          resolve('reached');
        },
      };
      this.#waiting.add(waiter);
    });
    if (waiter) this.#waiting.delete(waiter);
    if (outcome === 'late' && this.#live && this.#applied < mark) {
      this.log.warn({ applied: this.#applied, mark }, 'cache invalidations fell behind; reconnecting the feed');
      this.#lose();
      this.subscriber.disconnect(true);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#lose();
    this.subscriber.disconnect();
  }

  async #listen(): Promise<void> {
    this.subscriber.on('message', (channel: string, raw: string) => {
      if (channel === INVALIDATION_CHANNEL) this.#apply(raw);
    });
    this.subscriber.on('error', (error) => this.log.warn({ err: error }, 'cache invalidation feed error'));
    // Anything sent while the connection is down is lost: the caches stop answering at once.
    this.subscriber.on('close', () => {
      this.#drops += 1;
      this.#lose();
    });
    await this.subscriber.connect();
    await this.#resync();
    this.subscriber.on('ready', () => void this.#resync());
  }

  /** (Re)subscribes, empties every cache, and takes the current number as applied: from here on the feed is complete. */
  async #resync(): Promise<void> {
    if (this.#closed || this.#live || this.#resyncing) return;
    this.#resyncing = true;
    try {
      for (;;) {
        const drops = this.#drops;
        await this.subscriber.subscribe(INVALIDATION_CHANNEL);
        this.#dropEverything();
        const mark = Number((await this.redis.get(WRITE_MARK_KEY)) ?? 0);
        if (this.#closed) return;
        // Dropped and back meanwhile: a message may have been missed in between; start over.
        if (this.#drops !== drops || this.subscriber.status !== 'ready') {
          if (this.subscriber.status !== 'ready') return;
          continue;
        }
        this.#applied = Math.max(this.#applied, mark);
        this.#live = true;
        this.#wake();
        this.log.debug({ mark }, 'cache invalidation feed live');
        return;
      }
    } catch (error) {
      // Until it works the caches read through; try again shortly.
      this.log.warn({ err: error }, 'cache invalidation feed could not resync');
      setTimeout(() => void this.#resync(), RESYNC_RETRY_MS).unref();
    } finally {
      this.#resyncing = false;
    }
  }

  #apply(raw: string): void {
    let parsed: z.infer<typeof Message> | undefined;
    try {
      parsed = Message.safeParse(JSON.parse(raw)).data;
    } catch {
      parsed = undefined;
    }
    if (!parsed) {
      // Not ours, or damaged: whatever it was about, nothing cached can be trusted to be current.
      this.log.warn('unreadable cache invalidation; emptying the caches');
      this.#dropEverything();
      return;
    }
    for (const listener of this.#listeners.get(parsed.topic) ?? []) listener(parsed.keys);
    if (this.#lastSeq !== undefined && parsed.seq <= this.#lastSeq) {
      // Numbered again from the start (Redis lost or flushed its data): nothing cached can be placed in the new numbering.
      this.#dropEverything();
      this.#applied = parsed.seq;
    } else if (parsed.seq > this.#applied) {
      this.#applied = parsed.seq;
    }
    this.#lastSeq = parsed.seq;
    this.#wake();
  }

  #lose(): void {
    this.#live = false;
    // The numbering may start again (a Redis that lost its data): the next resync takes it as it finds it.
    this.#applied = 0;
    this.#lastSeq = undefined;
    this.#dropEverything();
    // Waiting requests go on reading through (the caches are not live).
    for (const waiter of this.#waiting) waiter.resolve();
  }

  #dropEverything(): void {
    for (const listeners of this.#listeners.values()) for (const listener of listeners) listener('all');
  }

  #wake(): void {
    for (const waiter of this.#waiting) if (this.#applied >= waiter.seq) waiter.resolve();
  }
}
