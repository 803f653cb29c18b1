import { describe, expect, it } from 'vitest';
import { PipeHealth } from './host-pipe-health.js';

describe('pipe health', () => {
  it('is alive while the counter moves, dead once it stands still for the window while media is expected', () => {
    const health = new PipeHealth(4000);
    expect(health.observe({ at: 0, expecting: true, crossed: 100 })).toBe('alive');
    expect(health.observe({ at: 1000, expecting: true, crossed: 900 })).toBe('alive');
    expect(health.observe({ at: 2000, expecting: true, crossed: 900 })).toBe('alive');
    expect(health.observe({ at: 4000, expecting: true, crossed: 900 })).toBe('alive');
    expect(health.observe({ at: 5000, expecting: true, crossed: 900 })).toBe('dead');
  });

  it('does not count time while nothing is expected (a paused producer)', () => {
    const health = new PipeHealth(4000);
    health.observe({ at: 0, expecting: true, crossed: 10 });
    for (let at = 1000; at <= 20_000; at += 1000) expect(health.observe({ at, expecting: false, crossed: 10 })).toBe('alive');
    // Resumed: the clock starts again from the first still reading.
    expect(health.observe({ at: 21_000, expecting: true, crossed: 10 })).toBe('alive');
    expect(health.observe({ at: 24_000, expecting: true, crossed: 10 })).toBe('alive');
    expect(health.observe({ at: 25_000, expecting: true, crossed: 10 })).toBe('dead');
  });

  it('a counter that moves again in time keeps the pipe alive', () => {
    const health = new PipeHealth(4000);
    health.observe({ at: 0, expecting: true, crossed: 1 });
    health.observe({ at: 3000, expecting: true, crossed: 1 });
    expect(health.observe({ at: 3500, expecting: true, crossed: 2 })).toBe('alive');
    expect(health.observe({ at: 7000, expecting: true, crossed: 2 })).toBe('alive');
    expect(health.observe({ at: 7500, expecting: true, crossed: 2 })).toBe('dead');
  });
});
