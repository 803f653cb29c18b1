import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PendingAnswers } from './pending-answers.js';

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Whether `promise` has settled by the time queued microtasks ran. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await vi.advanceTimersByTimeAsync(0);
  return settled;
}

describe('PendingAnswers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('resolves at once when no answer is pending', async () => {
    expect(await isSettled(new PendingAnswers().settled(300))).toBe(true);
  });

  it('waits for every answer pending, sent or failed, and forgets each once settled', async () => {
    const answers = new PendingAnswers();
    const audio = deferred();
    const video = deferred();
    answers.add(audio.promise);
    answers.add(video.promise);
    const settled = answers.settled(300);
    audio.resolve();
    expect(await isSettled(settled)).toBe(false);
    video.reject(new Error('could not consume'));
    expect(await isSettled(settled)).toBe(true);
    expect(answers.size).toBe(0);
  });

  it('stops waiting after the limit, and does not wait for answers added later', async () => {
    const answers = new PendingAnswers();
    const stuck = deferred();
    answers.add(stuck.promise);
    const settled = answers.settled(300);
    answers.add(new Promise(() => undefined));
    await vi.advanceTimersByTimeAsync(299);
    expect(await isSettled(settled)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await isSettled(settled)).toBe(true);
    expect(answers.size).toBe(2);
  });
});
