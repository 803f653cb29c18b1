import { describe, expect, it } from 'vitest';
import { PathSilence, SILENCE_MS, SILENCE_POLL_MS, STEADY_MS } from './path-silence.js';

/** Polls every SILENCE_POLL_MS from `from`, each transport's counters given by `at(t)`; the times the path was judged gone. */
function run(silence: PathSilence, from: number, until: number, at: (t: number) => Record<string, { bytes: number; answers: number }>): number[] {
  const judged: number[] = [];
  for (let t = from; t <= until; t += SILENCE_POLL_MS) {
    if (silence.observe(t, new Map(Object.entries(at(t))))) judged.push(t);
  }
  return judged;
}

describe('PathSilence', () => {
  it('judges the path gone about a second after everything stops, following a steady flow', () => {
    const silence = new PathSilence();
    const stop = 5000;
    const judged = run(silence, 0, 8000, (t) => ({
      send: { bytes: Math.min(t, stop), answers: 0 },
      recv: { bytes: 2 * Math.min(t, stop), answers: 0 },
    }));
    expect(judged[0]).toBeGreaterThanOrEqual(stop + SILENCE_MS);
    expect(judged[0]).toBeLessThanOrEqual(stop + SILENCE_MS + SILENCE_POLL_MS);
  });

  it('does not judge a slow link gone while anything still arrives on either transport', () => {
    const silence = new PathSilence();
    // Steady, then a narrow link: the receive side gets a packet now and then, the send side's feedback every 700 ms.
    const judged = run(silence, 0, 30_000, (t) => ({
      send: { bytes: t < 5000 ? t : 5000 + Math.floor((t - 5000) / 700), answers: 0 },
      recv: { bytes: t < 5000 ? t : 5000 + Math.floor((t - 5000) / 1500), answers: 0 },
    }));
    expect(judged).toEqual([]);
  });

  it('does not judge a call where nothing ever flowed steadily (nobody sending: only ICE check answers now and then)', () => {
    const silence = new PathSilence();
    const judged = run(silence, 0, 30_000, (t) => ({
      send: { bytes: 0, answers: Math.floor(t / 2500) },
      recv: { bytes: 0, answers: Math.floor(t / 2500) },
    }));
    expect(judged).toEqual([]);
  });

  it('counts answers to ICE checks as arriving: a quiet transport whose path answers is not gone', () => {
    const silence = new PathSilence();
    run(silence, 0, STEADY_MS + 1000, (t) => ({ recv: { bytes: t, answers: 0 } }));
    expect(silence.receivedSince('recv', STEADY_MS)).toBe(true);
    expect(silence.receivedSince('recv', STEADY_MS + 1000)).toBe(false);
    expect(silence.observe(STEADY_MS + 1500, new Map([['recv', { bytes: STEADY_MS + 1000, answers: 1 }]]))).toBe(false);
    expect(silence.receivedSince('recv', STEADY_MS + 1000)).toBe(true);
  });

  it('takes a counter that fell (a candidate pair replaced by a restart) as the new baseline, not as something arriving', () => {
    const silence = new PathSilence();
    run(silence, 0, 4000, (t) => ({ recv: { bytes: t, answers: 10 } }));
    expect(silence.observe(4000 + SILENCE_POLL_MS, new Map([['recv', { bytes: 4000, answers: 0 }]]))).toBe(false);
    expect(silence.observe(4000 + SILENCE_MS, new Map([['recv', { bytes: 4000, answers: 0 }]]))).toBe(true);
    expect(silence.observe(4000 + SILENCE_MS + SILENCE_POLL_MS, new Map([['recv', { bytes: 4000, answers: 1 }]]))).toBe(false);
  });

  it('judges a path gone that had only just begun to carry (two polls running), as a call moments old', () => {
    const silence = new PathSilence();
    const stop = 3 * SILENCE_POLL_MS;
    const judged = run(silence, 0, 5000, (t) => ({ recv: { bytes: t <= SILENCE_POLL_MS ? 0 : Math.min(t, stop), answers: 0 } }));
    expect(judged[0]).toBeLessThanOrEqual(stop + SILENCE_MS + SILENCE_POLL_MS);
  });

  it('forgets a transport no longer given', () => {
    const silence = new PathSilence();
    run(silence, 0, 4000, (t) => ({ send: { bytes: t, answers: 0 }, recv: { bytes: 0, answers: 0 } }));
    // Only the never-steady one is left: its quiet is no dead path.
    expect(silence.observe(6000, new Map([['recv', { bytes: 0, answers: 0 }]]))).toBe(false);
  });
});
