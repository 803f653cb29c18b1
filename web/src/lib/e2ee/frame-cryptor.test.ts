import { describe, expect, it, vi } from 'vitest';
import { FrameCryptor, type EncodedFrame } from './frame-cryptor.js';
import type { MediaCodec } from './media-frame.js';
import type { TrackCounts } from './worker-protocol.js';

/*
 * The frame worker moves each track's frames itself, from the transform's
 * readable to its writable, instead of piping them through a TransformStream.
 * These tests hold that loop to what a pipe guarantees — order, the end of
 * either stream reaching the other, no reading ahead of a full writable — and
 * to what the worker must add: one bad frame is dropped, not the track.
 */

const BASE_KEY = new Uint8Array(16).fill(7);
const OPUS_TOC = 0x78;
const VP8_DELTA = 0x01; // bit 0 set: an interframe

function frame(codec: MediaCodec, size: number, seed: number): EncodedFrame {
  const bytes = new Uint8Array(size).map((_, i) => (i * 13 + seed) & 0xff);
  bytes[0] = codec === 'opus' ? OPUS_TOC : VP8_DELTA;
  return { data: bytes.buffer };
}

function copy(f: EncodedFrame): EncodedFrame {
  return { data: f.data.slice(0) };
}

interface Pipe {
  source: ReadableStreamDefaultController<EncodedFrame>;
  out: EncodedFrame[];
  readonly events: string[];
  counts(): TrackCounts | undefined;
}

let tracks = 0;

function attach(
  cryptor: FrameCryptor,
  operation: 'encrypt' | 'decrypt',
  codec: MediaCodec,
  sink: UnderlyingSink<EncodedFrame> = {},
): Pipe {
  const events: string[] = [];
  const out: EncodedFrame[] = [];
  let source!: ReadableStreamDefaultController<EncodedFrame>;
  const readable = new ReadableStream<EncodedFrame>({
    start: (controller) => void (source = controller),
    cancel: () => void events.push('readable cancelled'),
  });
  const writable = new WritableStream<EncodedFrame>({
    write: sink.write ?? ((f) => void out.push(f)),
    close: () => void events.push('writable closed'),
    abort: () => void events.push('writable aborted'),
  });
  const trackId = `track-${++tracks}`;
  cryptor.attach(readable, writable, { operation, codec, trackId });
  return { source, out, events, counts: () => cryptor.counts().find((c) => c.trackId === trackId) };
}

async function keyed(ownLeaf: number): Promise<FrameCryptor> {
  const cryptor = new FrameCryptor();
  await cryptor.receive({ kind: 'epoch', epoch: 1, baseKey: BASE_KEY, ownLeaf, memberLeaves: [0, 1] });
  return cryptor;
}

describe('the frame worker moves frames as a pipe would', () => {
  it('seals and opens audio and video frames in the order they came, byte for byte', async () => {
    const [sender, receiver] = await Promise.all([keyed(0), keyed(1)]);
    for (const codec of ['opus', 'vp8'] as const) {
      const sent = attach(sender, 'encrypt', codec);
      const received = attach(receiver, 'decrypt', codec);
      const frames = Array.from({ length: 40 }, (_, i) => frame(codec, codec === 'opus' ? 80 : 200 + i * 97, i));
      for (const f of frames) sent.source.enqueue(copy(f));
      await vi.waitFor(() => expect(sent.out).toHaveLength(frames.length));
      for (const f of sent.out) received.source.enqueue(f);
      await vi.waitFor(() => expect(received.out).toHaveLength(frames.length));
      expect(received.out.map((f) => new Uint8Array(f.data))).toEqual(frames.map((f) => new Uint8Array(f.data)));
    }
  });

  it('drops a frame that does not open and keeps opening the frames after it', async () => {
    const [sender, receiver] = await Promise.all([keyed(0), keyed(1)]);
    const sent = attach(sender, 'encrypt', 'opus');
    for (let i = 0; i < 3; i++) sent.source.enqueue(frame('opus', 80, i));
    await vi.waitFor(() => expect(sent.out).toHaveLength(3));

    const received = attach(receiver, 'decrypt', 'opus');
    const tampered = new Uint8Array(sent.out[1]!.data.slice(0));
    tampered[tampered.length - 1]! ^= 0x01;
    const hostile = [
      { data: tampered.buffer },
      { data: new Uint8Array([OPUS_TOC]).buffer }, // nothing after the clear byte
      { data: new Uint8Array([OPUS_TOC, 0x0f, 0x00]).buffer }, // a header that runs past the frame
      { data: new Uint8Array([OPUS_TOC, 0x88, 0x00, 0x08, ...new Array(20).fill(1)]).buffer }, // not minimal
      { data: new ArrayBuffer(0) },
    ];
    received.source.enqueue(sent.out[0]!);
    for (const f of hostile) received.source.enqueue(f);
    received.source.enqueue(sent.out[2]!);
    await vi.waitFor(() => {
      const c = received.counts();
      expect((c?.frames ?? 0) + Object.values(c?.failuresByLeaf ?? {}).reduce((a, b) => a + b, 0)).toBe(7);
    });
    expect(received.out).toHaveLength(2);
    expect(received.counts()?.failuresByLeaf).toEqual({ 0: 1, [-1]: 4 });
    expect(received.events).toEqual([]);
  });

  it('closes the writable when the readable ends', async () => {
    const sender = await keyed(0);
    const sent = attach(sender, 'encrypt', 'opus');
    sent.source.enqueue(frame('opus', 80, 1));
    sent.source.close();
    await vi.waitFor(() => expect(sent.events).toEqual(['writable closed']));
    expect(sent.out).toHaveLength(1);
  });

  it('aborts the writable when the readable fails, and cancels the readable when the writable fails', async () => {
    const sender = await keyed(0);
    const failingSource = attach(sender, 'encrypt', 'opus');
    failingSource.source.error(new Error('the track went away'));
    await vi.waitFor(() => expect(failingSource.events).toContain('writable aborted'));

    const failingSink = attach(sender, 'encrypt', 'opus', {
      write: () => {
        throw new Error('the sender went away');
      },
    });
    failingSink.source.enqueue(frame('opus', 80, 1));
    failingSink.source.enqueue(frame('opus', 80, 2));
    await vi.waitFor(() => expect(failingSink.events).toContain('readable cancelled'));
  });

  it('reads no further while the writable is still taking the last frame (backpressure)', async () => {
    const sender = await keyed(0);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const written: EncodedFrame[] = [];
    const sent = attach(sender, 'encrypt', 'opus', {
      write: async (f) => {
        written.push(f);
        await held;
      },
    });
    for (let i = 0; i < 10; i++) sent.source.enqueue(frame('opus', 80, i));
    await vi.waitFor(() => expect(written).toHaveLength(1));
    // Time enough to read and seal several more, had the loop not waited.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sent.counts()?.frames).toBe(1);
    expect(sent.source.desiredSize).toBe(1 - 9);
    release();
    await vi.waitFor(() => expect(sent.counts()?.frames).toBe(10));
  });
});
