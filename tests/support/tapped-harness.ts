import { afterAll, beforeAll } from 'vitest';
import type { ChromiumOptions } from './browser.js';
import { BrowserHarness } from './browser-harness.js';
import { FirstPacketTap } from './first-packet-tap.js';

/** A browser harness whose one media worker has a spy on every producer from the start. */
export interface TappedHarness {
  h: BrowserHarness;
  tap: FirstPacketTap;
  /** The demo circle meeting that is on now. */
  meetingId: string;
}

/**
 * Starts a tapped harness before the enclosing describe block's tests and
 * closes it after them; the returned function gives it to the tests.
 */
export function useTappedHarness(chromium: ChromiumOptions = {}): () => TappedHarness {
  let stage: TappedHarness | undefined;
  beforeAll(async () => {
    const h = await BrowserHarness.start({}, {}, chromium);
    const tap = FirstPacketTap.watch(h.t.platform.pool.leastLoaded().worker);
    const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
    stage = { h, tap, meetingId: String(meeting?._id) };
  });
  afterAll(async () => {
    stage?.tap.close();
    await stage?.h.close();
  });
  return () => {
    if (!stage) throw new Error('the tapped harness did not start');
    return stage;
  };
}
