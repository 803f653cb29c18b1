import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SilenceWatch } from './silence-watch.js';

describe('SilenceWatch', () => {
  let pinged: string[];
  let silent: string[];
  let watch: SilenceWatch<string>;

  beforeEach(() => {
    vi.useFakeTimers();
    pinged = [];
    silent = [];
    watch = new SilenceWatch<string>({ everyMs: 500, silenceMs: 2000 }, (peer) => void pinged.push(peer), (peer) => void silent.push(peer));
  });

  afterEach(() => {
    watch.close();
    vi.useRealTimers();
  });

  it('pings every peer at each tick and loses, once, the one from which nothing comes', () => {
    watch.watch('quiet');
    watch.watch('chatty');
    for (let i = 0; i < 8; i++) {
      vi.advanceTimersByTime(500);
      watch.heard('chatty');
    }
    vi.advanceTimersByTime(500);
    expect(silent).toEqual(['quiet']);
    expect(pinged.filter((p) => p === 'chatty')).toHaveLength(9);
    watch.forget('chatty');
    vi.advanceTimersByTime(5000);
    expect(silent).toEqual(['quiet']);
  });

  it('starts every silence anew after a late tick (this process was held up, not the peer)', () => {
    watch.watch('peer');
    vi.advanceTimersByTime(500);
    // The event loop is held for 3 s: the clock moves without a tick.
    vi.setSystemTime(Date.now() + 3000);
    vi.advanceTimersByTime(500);
    expect(silent).toEqual([]);
    // From then on, two seconds of real silence lose it.
    vi.advanceTimersByTime(2000);
    expect(silent).toEqual([]);
    // (The verdict comes just after the tick that finds the silence, once the sockets have been read.)
    vi.advanceTimersByTime(501);
    expect(silent).toEqual(['peer']);
  });

  it('does not take back a peer heard after it was forgotten', () => {
    watch.watch('gone');
    watch.forget('gone');
    watch.heard('gone');
    vi.advanceTimersByTime(3000);
    expect(pinged).toEqual([]);
    expect(silent).toEqual([]);
  });
});
