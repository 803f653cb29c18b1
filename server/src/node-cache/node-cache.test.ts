import { describe, expect, it } from 'vitest';
import type { CacheTopic, InvalidationFeed, StaleKeys } from './cache-invalidations.js';
import { NodeCache } from './node-cache.js';

/** A feed driven by the test: what a node's subscription would deliver. */
class TestFeed implements InvalidationFeed {
  live = true;
  readonly #listeners: Array<(keys: StaleKeys) => void> = [];
  on(_topic: CacheTopic, listener: (keys: StaleKeys) => void): void {
    this.#listeners.push(listener);
  }
  invalidate(keys: StaleKeys): void {
    for (const listener of this.#listeners) listener(keys);
  }
}

/** A read the test finishes by hand, to place invalidations while it runs. */
function deferred<T>(): { promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

const options = { maxEntries: 3, maxAgeMs: 60_000 };

describe('NodeCache', () => {
  it('reads once, then answers from memory until the key is invalidated', async () => {
    const feed = new TestFeed();
    const cache = new NodeCache<string>(feed, 'accounts', options);
    let reads = 0;
    const load = async (key: string) => `${key}:${++reads}`;
    expect(await cache.get('a', load)).toBe('a:1');
    expect(await cache.get('a', load)).toBe('a:1');
    feed.invalidate(['b']);
    expect(await cache.get('a', load)).toBe('a:1');
    feed.invalidate(['a']);
    expect(await cache.get('a', load)).toBe('a:2');
    feed.invalidate('all');
    expect(await cache.get('a', load)).toBe('a:3');
  });

  it('shares one read among concurrent misses of a key', async () => {
    const cache = new NodeCache<string>(new TestFeed(), 'rules', options);
    const read = deferred<string>();
    let reads = 0;
    const load = () => {
      reads += 1;
      return read.promise;
    };
    const all = Promise.all([cache.get('c', load), cache.get('c', load), cache.get('c', load)]);
    read.resolve('rules');
    expect(await all).toEqual(['rules', 'rules', 'rules']);
    expect(reads).toBe(1);
  });

  it('does not keep a value read before an invalidation that arrived while it was read', async () => {
    const feed = new TestFeed();
    const cache = new NodeCache<string>(feed, 'accounts', options);
    const before = deferred<string>();
    const pending = cache.get('a', () => before.promise);
    feed.invalidate(['a']);
    // A request that comes after the invalidation does not join the stale read: it reads again.
    const after = cache.get('a', async () => 'after');
    before.resolve('before');
    expect(await pending).toBe('before');
    expect(await after).toBe('after');
    expect(await cache.get('a', async () => 'never read')).toBe('after');
  });

  it('reads through and keeps nothing while the feed is not live', async () => {
    const feed = new TestFeed();
    const cache = new NodeCache<string>(feed, 'accounts', options);
    feed.live = false;
    let reads = 0;
    const load = async () => `v${++reads}`;
    expect(await cache.get('a', load)).toBe('v1');
    expect(await cache.get('a', load)).toBe('v2');
    expect(cache.size).toBe(0);
  });

  it('keeps no misses, forgets the oldest beyond its size, and reads again after the maximum age', async () => {
    let now = 0;
    const cache = new NodeCache<string>(new TestFeed(), 'accounts', { ...options, now: () => now });
    expect(await cache.get('nobody', async () => null)).toBeNull();
    expect(cache.size).toBe(0);
    for (const key of ['a', 'b', 'c', 'd']) await cache.get(key, async () => key);
    expect(cache.size).toBe(3);
    expect(await cache.get('a', async () => 'a again')).toBe('a again');
    now = 60_000;
    expect(await cache.get('d', async () => 'd again')).toBe('d again');
  });

  it('passes a failed read on to every caller waiting for it and keeps nothing', async () => {
    const cache = new NodeCache<string>(new TestFeed(), 'accounts', options);
    const failing = () => Promise.reject(new Error('database down'));
    await expect(Promise.all([cache.get('a', failing), cache.get('a', failing)])).rejects.toThrow('database down');
    expect(await cache.get('a', async () => 'back')).toBe('back');
  });
});
