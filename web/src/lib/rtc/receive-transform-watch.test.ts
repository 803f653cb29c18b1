import { describe, expect, it } from 'vitest';
import { COUNTS_STALE_MS } from '../e2ee/worker-protocol.js';
import { REATTACH_TRIES, RECEIVE_CHECK_MS, ReceiveTransformWatch, type ReceiverSample } from './receive-transform-watch.js';

/** Receivers whose packets and worker counts a test moves by hand, and the transforms put back. */
function scene() {
  const packets = new Map<string, number>();
  const handled = new Map<string, number>();
  const reattached: string[] = [];
  const clock = { now: 10_000, countsAt: 10_000 };
  const watch = new ReceiveTransformWatch(
    async (): Promise<ReceiverSample[]> => [...packets].map(([trackId, n]) => ({ trackId, packets: n })),
    (trackId) => handled.get(trackId) ?? 0,
    () => clock.countsAt,
    (trackId) => {
      reattached.push(trackId);
      return true;
    },
    RECEIVE_CHECK_MS,
    () => clock.now,
  );
  const flow = (trackId: string, morePackets: number, moreFrames: number) => {
    packets.set(trackId, (packets.get(trackId) ?? 0) + morePackets);
    handled.set(trackId, (handled.get(trackId) ?? 0) + moreFrames);
  };
  return { watch, flow, reattached, packets, clock };
}

describe('ReceiveTransformWatch', () => {
  it('puts back the transform of a receiver whose packets arrive while the worker sees none of its frames', async () => {
    const { watch, flow, reattached } = scene();
    flow('healthy', 50, 50);
    flow('unhooked', 50, 0);
    await watch.check();
    // A first look only takes the counts.
    expect(reattached).toEqual([]);
    flow('healthy', 50, 48);
    flow('unhooked', 50, 0);
    await watch.check();
    expect(reattached).toEqual(['unhooked']);
    // Put back, its frames reach the worker again: nothing more is done.
    flow('healthy', 50, 50);
    flow('unhooked', 50, 50);
    await watch.check();
    expect(reattached).toEqual(['unhooked']);
  });

  it('leaves alone a receiver that gets nothing (paused at the SFU), and one whose frames are refused (they reached the worker)', async () => {
    const { watch, flow, reattached } = scene();
    flow('paused', 0, 0);
    flow('forged', 40, 40);
    await watch.check();
    flow('paused', 3, 0);
    flow('forged', 40, 40);
    await watch.check();
    expect(reattached).toEqual([]);
  });

  it('tries a few times in a row at most, again after frames flowed, and forgets a receiver that is gone', async () => {
    const { watch, flow, reattached, packets } = scene();
    flow('stuck', 50, 0);
    await watch.check();
    for (let i = 0; i < REATTACH_TRIES + 3; i++) {
      flow('stuck', 50, 0);
      await watch.check();
    }
    expect(reattached).toHaveLength(REATTACH_TRIES);
    // Frames through again (a lossy line had only held them up): a later stall is put back again.
    flow('stuck', 50, 50);
    await watch.check();
    flow('stuck', 50, 0);
    await watch.check();
    expect(reattached).toHaveLength(REATTACH_TRIES + 1);
    flow('stuck', 50, 50);
    await watch.check();
    // Gone and back (a new consumer would have a new id, but forgetting is what matters): counted afresh.
    packets.delete('stuck');
    await watch.check();
    flow('stuck', 50, 0);
    await watch.check();
    flow('stuck', 50, 0);
    await watch.check();
    expect(reattached).toHaveLength(REATTACH_TRIES + 2);
  });

  it('does not judge by worker counts that are stale (a page starved of CPU): healthy receivers are left alone', async () => {
    const { watch, flow, reattached, clock } = scene();
    flow('a', 50, 50);
    flow('b', 50, 50);
    await watch.check();
    // Two and a half seconds on, packets came but the worker's counts of them have not arrived yet.
    clock.now += RECEIVE_CHECK_MS;
    flow('a', 50, 0);
    flow('b', 50, 0);
    await watch.check();
    expect(reattached).toEqual([]);
    // The counts arrive: both handled their frames. Only a receiver truly stalled over the span is put back.
    clock.now += RECEIVE_CHECK_MS;
    clock.countsAt = clock.now - COUNTS_STALE_MS / 2;
    flow('a', 50, 100);
    flow('b', 50, 0);
    await watch.check();
    expect(reattached).toEqual(['b']);
  });
});
