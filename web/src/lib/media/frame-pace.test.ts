import { describe, expect, it } from 'vitest';
import { FramePace, PACE_WINDOW_MS, STRUGGLE_AFTER_MS } from './frame-pace.js';

/** Frames every `intervalMs`, each costing `costMs`, from `from` to `to` (ms). */
function feed(pace: FramePace, from: number, to: number, intervalMs: number, costMs: number): void {
  for (let at = from; at <= to; at += intervalMs) pace.record(at, costMs);
}

describe('FramePace', () => {
  it('gives no figures and no verdict before a whole window has passed', () => {
    const pace = new FramePace();
    feed(pace, 0, 2000, 40, 200);
    expect(pace.figures(2000)).toBeUndefined();
    expect(pace.struggling(2000, 25)).toBe(false);
  });

  it('measures the mean cost and the frame rate over the last window only', () => {
    const pace = new FramePace();
    feed(pace, 0, 3000, 40, 100);
    feed(pace, 3040, 6000, 40, 10);
    const figures = pace.figures(6000)!;
    expect(figures.msPerFrame).toBeCloseTo(10);
    expect(figures.fps).toBeCloseTo(25, 0);
  });

  it('keeps quiet while the device keeps up with the camera', () => {
    const pace = new FramePace();
    feed(pace, 0, 20_000, 40, 20);
    expect(pace.struggling(20_000, 25)).toBe(false);
  });

  it('says so only when too slow per frame for five seconds without a break', () => {
    const pace = new FramePace();
    let struggling = false;
    let since: number | undefined;
    for (let at = 0; at <= 20_000; at += 40) {
      pace.record(at, 80);
      if (!struggling && pace.struggling(at, 25)) {
        struggling = true;
        since = at;
      }
    }
    expect(struggling).toBe(true);
    expect(since).toBeGreaterThanOrEqual(PACE_WINDOW_MS + STRUGGLE_AFTER_MS);
  });

  it('starts counting again after the device caught up', () => {
    const pace = new FramePace();
    feed(pace, 0, 7000, 40, 80);
    expect(pace.struggling(7000, 25)).toBe(false);
    feed(pace, 7040, 11_000, 40, 5);
    expect(pace.struggling(11_000, 25)).toBe(false);
    feed(pace, 11_040, 15_000, 40, 80);
    // Behind again from about 12 s: not yet five seconds.
    expect(pace.struggling(15_000, 25)).toBe(false);
  });

  it('counts too few frames out as behind, but not a camera that itself gives few', () => {
    const slowOutput = new FramePace();
    feed(slowOutput, 0, 12_000, 200, 10);
    // Five frames a second against a camera of 25: behind from the first judged window on.
    expect(slowOutput.struggling(PACE_WINDOW_MS, 25)).toBe(false);
    expect(slowOutput.struggling(12_000, 25)).toBe(true);

    const dimCamera = new FramePace();
    feed(dimCamera, 0, 12_000, 100, 10);
    expect(dimCamera.struggling(12_000, 10)).toBe(false);
  });

  it('counts a device that gives no frame at all for a window as behind', () => {
    const pace = new FramePace();
    pace.record(0, 3000);
    expect(pace.figures(4000)).toEqual({ msPerFrame: PACE_WINDOW_MS, fps: 0 });
    pace.struggling(4000, 25);
    expect(pace.struggling(9000, 25)).toBe(true);
  });

  it('judges afresh after a pause on purpose (the camera switched off), not as a device that gave nothing', () => {
    const pace = new FramePace();
    feed(pace, 0, 4000, 40, 10);
    pace.reset();
    expect(pace.figures(9000)).toBeUndefined();
    expect(pace.struggling(15_000, 25)).toBe(false);
    feed(pace, 15_000, 19_000, 40, 10);
    expect(pace.struggling(19_000, 25)).toBe(false);
    expect(pace.figures(19_000)?.msPerFrame).toBeCloseTo(10);
  });
});
