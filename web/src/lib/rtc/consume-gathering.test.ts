import type { types } from 'mediasoup-client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsumeGathering } from './consume-gathering.js';

/** A receive transport that records in which turn each consume() came (mediasoup-client batches one turn's). */
function fakeTransport(): { transport: types.Transport; turns: string[][]; closed: boolean } {
  const state = { turns: [] as string[][], closed: false, open: undefined as string[] | undefined };
  const transport = {
    get closed() {
      return state.closed;
    },
    consume: (options: types.ConsumerOptions) => {
      if (!state.open) {
        state.open = [];
        state.turns.push(state.open);
        queueMicrotask(() => (state.open = undefined));
      }
      state.open.push(options.id);
      return Promise.resolve({ id: options.id } as types.Consumer);
    },
  } as unknown as types.Transport;
  return {
    transport,
    turns: state.turns,
    get closed() {
      return state.closed;
    },
    set closed(value: boolean) {
      state.closed = value;
    },
  };
}

const options = (id: string) => ({ id, producerId: `p-${id}`, kind: 'video', rtpParameters: {} }) as types.ConsumerOptions;

describe('ConsumeGathering', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('passes requests that come within the window of each other on in one turn, and a later one in its own', async () => {
    const gathering = new ConsumeGathering(5);
    const fake = fakeTransport();
    const audio = gathering.consume(fake.transport, options('audio'));
    await vi.advanceTimersByTimeAsync(3);
    const video = gathering.consume(fake.transport, options('video'));
    await vi.advanceTimersByTimeAsync(4);
    expect(fake.turns).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.turns).toEqual([['audio', 'video']]);
    expect((await audio).id).toBe('audio');
    expect((await video).id).toBe('video');
    const screen = gathering.consume(fake.transport, options('screen'));
    await vi.advanceTimersByTimeAsync(5);
    expect((await screen).id).toBe('screen');
    expect(fake.turns).toEqual([['audio', 'video'], ['screen']]);
  });

  it('waits for a burst to end, each request giving the others another window, but no longer than the longest wait', async () => {
    const gathering = new ConsumeGathering(5, 50);
    const fake = fakeTransport();
    const asked: Array<Promise<types.Consumer>> = [];
    // Requests 4 ms apart, each within the window of the one before: none goes on while they keep coming...
    for (let i = 0; i < 13; i++) {
      if (i > 0) await vi.advanceTimersByTimeAsync(4);
      asked.push(gathering.consume(fake.transport, options(`c${i}`)));
    }
    expect(fake.turns).toEqual([]);
    // ...until 50 ms after the first (48 ms now): then all thirteen together, though more might still come.
    await vi.advanceTimersByTimeAsync(2);
    expect(fake.turns).toEqual([Array.from({ length: 13 }, (_, i) => `c${i}`)]);
    await Promise.all(asked);
  });

  it('a new transport (the media moved) sends what was gathered to the old one at once, and gathers anew', async () => {
    const gathering = new ConsumeGathering(5);
    const before = fakeTransport();
    const after = fakeTransport();
    const old = gathering.consume(before.transport, options('old'));
    before.closed = true;
    const fresh = gathering.consume(after.transport, options('new'));
    await expect(old).rejects.toThrow('closed');
    await vi.advanceTimersByTimeAsync(5);
    expect((await fresh).id).toBe('new');
    expect([before.turns, after.turns]).toEqual([[], [['new']]]);
  });

  it('refuses what is gathered when the room is left, and makes nothing', async () => {
    const gathering = new ConsumeGathering(5);
    const fake = fakeTransport();
    const pending = gathering.consume(fake.transport, options('audio'));
    gathering.cancel(new Error('left the room'));
    await expect(pending).rejects.toThrow('left the room');
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.turns).toEqual([]);
  });
});
