import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsumerReoffer, REOFFER_AFTER_MS, REOFFER_MAX_BACKOFF_MS } from './consumer-reoffer.js';

describe('ConsumerReoffer', () => {
  let present: Set<string>;
  let asks: number;
  /** Whether the server takes each ask (its request budget may be spent). */
  let takes: boolean;
  let reoffer: ConsumerReoffer;

  beforeEach(() => {
    vi.useFakeTimers();
    present = new Set(['alice']);
    asks = 0;
    takes = true;
    reoffer = new ConsumerReoffer(
      (peerId) => present.has(peerId),
      async () => {
        asks++;
        return takes;
      },
    );
  });
  afterEach(() => vi.useRealTimers());

  it('asks again once for a consumer closed while it was still being set up, and drops that one', () => {
    reoffer.asked('c1', 'alice');
    reoffer.asked('c2', 'alice');
    reoffer.closed('c1', undefined);
    reoffer.closed('c2', undefined);
    vi.advanceTimersByTime(REOFFER_AFTER_MS);
    expect(asks).toBe(1);
    expect(reoffer.settled('c1')).toBe(false);
    expect(reoffer.settled('c2')).toBe(false);
  });

  it('asks again for a set-up consumer closed while its person stays (a late answer)', () => {
    reoffer.asked('c1', 'alice');
    expect(reoffer.settled('c1')).toBe(true);
    reoffer.closed('c1', 'alice');
    vi.advanceTimersByTime(REOFFER_AFTER_MS);
    expect(asks).toBe(1);
  });

  it('does not ask for the media of someone who left meanwhile', () => {
    reoffer.closed('c1', 'alice');
    present.delete('alice');
    vi.advanceTimersByTime(REOFFER_AFTER_MS);
    expect(asks).toBe(0);
  });

  it('ignores a close for a consumer it never set up nor waits for (one it answered with an error)', () => {
    reoffer.asked('c1', 'alice');
    reoffer.settled('c1');
    reoffer.closed('c1', undefined);
    vi.advanceTimersByTime(REOFFER_AFTER_MS);
    expect(asks).toBe(0);
  });

  it('asks nothing once closed', () => {
    reoffer.asked('c1', 'alice');
    reoffer.closed('c1', undefined);
    reoffer.close();
    vi.advanceTimersByTime(REOFFER_AFTER_MS);
    expect(asks).toBe(0);
  });

  it('asks again, later each time, while the server does not take the ask, and stops once it does', async () => {
    takes = false;
    reoffer.closed('c1', 'alice');
    await vi.advanceTimersByTimeAsync(REOFFER_AFTER_MS);
    expect(asks).toBe(1);
    await vi.advanceTimersByTimeAsync(REOFFER_AFTER_MS * 2);
    expect(asks).toBe(2);
    await vi.advanceTimersByTimeAsync(REOFFER_AFTER_MS * 2);
    expect(asks).toBe(2); // the wait doubled
    await vi.advanceTimersByTimeAsync(REOFFER_AFTER_MS * 2);
    expect(asks).toBe(3);
    takes = true;
    await vi.advanceTimersByTimeAsync(REOFFER_MAX_BACKOFF_MS);
    expect(asks).toBe(4);
    await vi.advanceTimersByTimeAsync(REOFFER_MAX_BACKOFF_MS * 4);
    expect(asks).toBe(4);
  });

  it('stops asking again for someone who left meanwhile, and once closed', async () => {
    takes = false;
    reoffer.closed('c1', 'alice');
    await vi.advanceTimersByTimeAsync(REOFFER_AFTER_MS);
    expect(asks).toBe(1);
    present.delete('alice');
    await vi.advanceTimersByTimeAsync(REOFFER_MAX_BACKOFF_MS);
    expect(asks).toBe(1);
    present.add('alice');
    reoffer.closed('c2', 'alice');
    await vi.advanceTimersByTimeAsync(REOFFER_AFTER_MS * 2); // the wait stayed doubled
    expect(asks).toBe(2);
    reoffer.close();
    await vi.advanceTimersByTimeAsync(REOFFER_MAX_BACKOFF_MS * 4);
    expect(asks).toBe(2); // a refused ask in flight at close is not made again
  });
});
