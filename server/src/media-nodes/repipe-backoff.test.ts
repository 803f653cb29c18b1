import { describe, expect, it } from 'vitest';
import { REPIPE_FIRST_MS, REPIPE_LONGEST_MS, RepipeBackoff } from './repipe-backoff.js';

describe('RepipeBackoff', () => {
  it('waits 1 s after a first death, doubling while deaths follow closely, up to 30 s', () => {
    const backoff = new RepipeBackoff();
    let now = 0;
    const pauses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const pause = backoff.next('p', now);
      pauses.push(pause);
      // The new pipe dies again 4 s after it opened (a link that stays down is found dead in 3–5 s).
      now += pause + 4000;
    }
    expect(pauses).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(Math.max(...pauses)).toBe(REPIPE_LONGEST_MS);
  });

  it('starts over once a pipe lived a minute, and keeps each producer apart', () => {
    const backoff = new RepipeBackoff();
    expect(backoff.next('p', 0)).toBe(REPIPE_FIRST_MS);
    expect(backoff.next('p', 5000)).toBe(2000);
    expect(backoff.next('other', 5000)).toBe(REPIPE_FIRST_MS);
    // Re-piped at 7 s and alive until 70 s: forgiven.
    expect(backoff.next('p', 70_000)).toBe(REPIPE_FIRST_MS);
    backoff.next('p', 72_000);
    backoff.forget('p');
    expect(backoff.next('p', 73_000)).toBe(REPIPE_FIRST_MS);
  });
});
