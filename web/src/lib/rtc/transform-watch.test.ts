import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TransformWatch, type SendSource } from './transform-watch.js';

describe('TransformWatch: every start and resume of a track is checked', () => {
  const frames = new Map<string, number>();
  const muted = new Set<SendSource>();
  let silent: SendSource[];
  let watch: TransformWatch;
  /** When the worker's counts were made; undefined: fresh at every check. */
  let countsAt: number | undefined;

  beforeEach(() => {
    vi.useFakeTimers();
    frames.clear();
    muted.clear();
    silent = [];
    countsAt = undefined;
    watch = new TransformWatch(
      (trackId) => frames.get(trackId) ?? 0,
      () => countsAt ?? Date.now(),
      (kind) => !muted.has(kind),
      (kind) => void silent.push(kind),
      3000,
    );
  });

  afterEach(() => {
    watch.close();
    vi.useRealTimers();
  });

  it('lets a track through whose transform sees frames after it starts', () => {
    watch.started('audio', 'a');
    frames.set('a', 25);
    vi.advanceTimersByTime(3000);
    expect(silent).toEqual([]);
  });

  it('reports a track whose transform saw nothing after it started', () => {
    watch.started('audio', 'a');
    vi.advanceTimersByTime(3000);
    expect(silent).toEqual(['audio']);
  });

  it('checks a paused track only once it resumes (a circle camera that starts off)', () => {
    // Paused from the start: no check runs, however long it stays off.
    watch.started('video', 'v');
    watch.stopped('video');
    vi.advanceTimersByTime(60_000);
    expect(silent).toEqual([]);
    // Switched on: its transform must run now.
    watch.started('video', 'v');
    vi.advanceTimersByTime(3000);
    expect(silent).toEqual(['video']);
  });

  it('wants new frames after each resume, not frames from before the pause', () => {
    watch.started('video', 'v');
    frames.set('v', 90);
    vi.advanceTimersByTime(3000);
    watch.stopped('video');
    watch.started('video', 'v');
    vi.advanceTimersByTime(3000);
    expect(silent).toEqual(['video']);
  });

  it('checks each kind on its own', () => {
    watch.started('audio', 'a');
    watch.started('video', 'v');
    frames.set('a', 50);
    vi.advanceTimersByTime(3000);
    expect(silent).toEqual(['video']);
  });

  it('waits while the source gives no frames (a muted camera), and checks once it does', () => {
    muted.add('video');
    watch.started('video', 'v');
    vi.advanceTimersByTime(30_000);
    expect(silent).toEqual([]);
    // The camera comes back; its frames must now pass the transform.
    muted.delete('video');
    vi.advanceTimersByTime(3000);
    expect(silent).toEqual(['video']);
  });

  it('watches a shared screen as its own track: a silent share is closed, the camera beside it is not', () => {
    watch.started('video', 'v');
    watch.started('screen', 's');
    vi.advanceTimersByTime(1000);
    frames.set('v', 30);
    vi.advanceTimersByTime(2500);
    expect(silent).toEqual(['screen']);
  });

  it('gives a check one more period when the worker\'s counts are stale (a starved page), then judges by them', () => {
    watch.started('video', 'v');
    countsAt = Date.now();
    // The camera's frames were sealed, but the counts saying so wait behind a busy main thread.
    vi.advanceTimersByTime(3000);
    expect(silent).toEqual([]);
    frames.set('v', 40);
    countsAt = Date.now();
    vi.advanceTimersByTime(3000);
    expect(silent).toEqual([]);

    // A worker that posts nothing at all is not trusted: after the one extra period the track is stopped.
    watch.started('audio', 'a');
    countsAt = Date.now();
    vi.advanceTimersByTime(6000);
    expect(silent).toEqual(['audio']);
  });
});
