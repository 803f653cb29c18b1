import { describe, expect, it } from 'vitest';
import { judgePrimary, nextLease, type LeaseState } from './primary-watch.js';

const old = { host: '10.0.0.2', port: 6379 };
const promoted = { host: '10.0.0.1', port: 6380 };

describe('judgePrimary', () => {
  it('confirms the primary a majority names, whatever form the connection gives its address in', () => {
    expect(judgePrimary([old, old, undefined], { host: '::ffff:10.0.0.2', port: 6379 })).toBe('confirmed');
  });

  it('is unheard when fewer than a majority answer (a cut), undecided when a majority answers but disagrees', () => {
    expect(judgePrimary([undefined, undefined, undefined], old)).toBe('unheard');
    expect(judgePrimary([old, undefined, undefined], old)).toBe('unheard');
    expect(judgePrimary([old, promoted, undefined], old)).toBe('undecided');
  });

  it('says moved when a majority names another server', () => {
    expect(judgePrimary([promoted, promoted, old], old)).toBe('moved');
  });

  it('has nothing to confirm while the connection is down', () => {
    expect(judgePrimary([undefined, undefined, undefined], undefined)).toBe('idle');
  });
});

describe('nextLease', () => {
  const serving: LeaseState = { serving: true };

  it('stops serving once a whole lease passed unheard, and not before', () => {
    const first = nextLease(serving, 'unheard', 1000, 800);
    expect(first.actions).toEqual([]);
    const before = nextLease(first.state, 'unheard', 1700, 800);
    expect(before).toEqual({ state: { unheardSince: 1000, serving: true }, actions: [] });
    const after = nextLease(before.state, 'unheard', 1800, 800);
    expect(after).toEqual({ state: { unheardSince: 1000, serving: false }, actions: ['stop'] });
    // Told once.
    expect(nextLease(after.state, 'unheard', 5000, 800).actions).toEqual([]);
  });

  it('a confirmation in between starts the lease afresh', () => {
    const first = nextLease(serving, 'unheard', 1000, 800);
    const confirmed = nextLease(first.state, 'confirmed', 1500, 800);
    expect(confirmed).toEqual({ state: { serving: true }, actions: [] });
    expect(nextLease(nextLease(confirmed.state, 'unheard', 1600, 800).state, 'unheard', 2300, 800).actions).toEqual([]);
  });

  it('a connection that is down, or sentinels that disagree for a moment, are not held against the node (a failover in progress)', () => {
    for (const verdict of ['idle', 'undecided'] as const) {
      const first = nextLease(serving, 'unheard', 1000, 800);
      const between = nextLease(first.state, verdict, 1500, 800);
      expect(between.actions).toEqual([]);
      expect(nextLease(between.state, 'unheard', 2000, 800).actions).toEqual([]);
    }
  });

  it('resumes serving when the primary is confirmed again', () => {
    expect(nextLease({ serving: false }, 'confirmed', 9000, 800)).toEqual({ state: { serving: true }, actions: ['resume'] });
  });

  it('follows a primary named elsewhere on the second round in a row, without stopping to serve or waiting a lease', () => {
    const first = nextLease(serving, 'moved', 1000, 800);
    expect(first.actions).toEqual([]);
    const later = nextLease(first.state, 'moved', 1200, 800);
    expect(later).toEqual({ state: { serving: true }, actions: ['refind'] });
    // One stray answer between two is no reason to move: the count starts again.
    const interrupted = nextLease(nextLease(first.state, 'undecided', 1200, 800).state, 'moved', 1400, 800);
    expect(interrupted.actions).toEqual([]);
    // A node already out stays out until it is confirmed on the new primary.
    expect(nextLease({ serving: false, movedSince: 1000 }, 'moved', 1800, 800)).toEqual({ state: { serving: false }, actions: ['refind'] });
  });
});
