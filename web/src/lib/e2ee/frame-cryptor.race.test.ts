import { describe, expect, it, vi } from 'vitest';
import { FrameCryptor, type EncodedFrame } from './frame-cryptor.js';
import { decodeSFrameHeader } from './sframe-header.js';
import { parseMlsKid } from './sframe-mls.js';
import type { KeyMessage, TrackCounts } from './worker-protocol.js';

/*
 * The frame worker's key messages race its frames: an MLS epoch takes a few
 * milliseconds of WebCrypto key imports per member while audio frames keep
 * arriving every 20 ms and the next epoch or a clear may already be posted.
 * These tests drive FrameCryptor (the worker's whole state machine) with real
 * ReadableStream/WritableStream frames and real WebCrypto while messages
 * arrive back to back, and check what must hold whatever the interleaving:
 * nothing sealed under a cleared key, nothing dropped for a key that is
 * installed, and epochs applied in the order they were posted.
 */

const OPUS_TOC = 0x78;
/** Many members make an epoch slow to install (one key import each), so later messages overtake it unless queued. */
const CROWD = Array.from({ length: 40 }, (_, i) => i);

function baseKey(epoch: number): Uint8Array {
  return new Uint8Array(16).fill(epoch + 1);
}

function epoch(n: number, ownLeaf: number, memberLeaves: number[]): KeyMessage {
  return { kind: 'epoch', epoch: n, baseKey: baseKey(n), ownLeaf, memberLeaves };
}

function opusFrame(): EncodedFrame {
  const bytes = new Uint8Array(80);
  crypto.getRandomValues(bytes);
  bytes[0] = OPUS_TOC;
  return { data: bytes.buffer };
}

/** The MLS epoch (low 4 bits) a sealed Opus frame was encrypted under, read from its SFrame header. */
function sealedEpoch(frame: EncodedFrame): number {
  const header = decodeSFrameHeader(new Uint8Array(frame.data).subarray(1));
  return parseMlsKid(header.kid).epochLowBits;
}

interface Track {
  push(frame: EncodedFrame): void;
  /** Frames that came out of the cryptor, in the order they came. */
  readonly out: EncodedFrame[];
  pushed: number;
  counts(): TrackCounts;
  /** Waits until every frame pushed so far was passed on or dropped. */
  settle(): Promise<TrackCounts>;
}

let tracks = 0;

/** A real stream pair through the cryptor, as the worker gets from an RTCRtpScriptTransform. */
function track(cryptor: FrameCryptor, operation: 'encrypt' | 'decrypt'): Track {
  let source!: ReadableStreamDefaultController<EncodedFrame>;
  const readable = new ReadableStream<EncodedFrame>({ start: (controller) => void (source = controller) });
  const out: EncodedFrame[] = [];
  const writable = new WritableStream<EncodedFrame>({ write: (frame) => void out.push(frame) });
  const trackId = `track-${++tracks}`;
  cryptor.attach(readable, writable, { operation, codec: 'opus', trackId });
  const counts = (): TrackCounts => {
    const found = cryptor.counts().find((c) => c.trackId === trackId);
    return found ?? { trackId, operation, frames: 0, noKey: 0, failuresByLeaf: {}, stage: 'reading' };
  };
  const handled = (c: TrackCounts) => c.frames + c.noKey + Object.values(c.failuresByLeaf).reduce((a, b) => a + b, 0);
  const t: Track = {
    out,
    pushed: 0,
    push(frame) {
      t.pushed++;
      source.enqueue(frame);
    },
    counts,
    async settle() {
      await vi.waitFor(
        () => {
          const c = counts();
          if (handled(c) !== t.pushed || out.length !== c.frames) throw new Error(`${handled(c)} of ${t.pushed} frames handled`);
        },
        { timeout: 10_000, interval: 2 },
      );
      return counts();
    },
  };
  return t;
}

/** Keeps frames coming (one per macrotask, as a live encoder would) until `done` settles. */
async function feedWhile(t: Track, done: Promise<unknown>): Promise<void> {
  let finished = false;
  void done.then(
    () => (finished = true),
    () => (finished = true),
  );
  while (!finished) {
    t.push(opusFrame());
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('the frame worker applies key messages strictly in order, against live frames', () => {
  it('an epoch and a clear back to back: once the clear is applied, no frame is sealed under the cleared key', async () => {
    const cryptor = new FrameCryptor();
    const sender = track(cryptor, 'encrypt');
    const both = Promise.all([cryptor.receive(epoch(1, 0, CROWD)), cryptor.receive({ kind: 'clear' })]);
    await feedWhile(sender, both);
    const atClear = await sender.settle();

    for (let i = 0; i < 20; i++) sender.push(opusFrame());
    const after = await sender.settle();
    expect(after.frames).toBe(atClear.frames);
    expect(after.noKey).toBe(atClear.noKey + 20);
    expect(sender.out).toHaveLength(atClear.frames);
  });

  it('a frame being sealed when a clear is applied is dropped, not sent under the cleared key', async () => {
    const cryptor = new FrameCryptor();
    const sender = track(cryptor, 'encrypt');
    await cryptor.receive(epoch(1, 0, [0, 1]));
    sender.push(opusFrame());
    // A few microtasks take the frame through the stream pipe into AES-GCM, which runs on
    // another thread (and resolves in a later task) while the clear applies on this one.
    for (let i = 0; i < 20; i++) await Promise.resolve();
    await cryptor.receive({ kind: 'clear' });
    const counts = await sender.settle();
    expect(counts.frames).toBe(0);
    expect(counts.noKey).toBe(1);
    expect(sender.out).toEqual([]);
  });

  it('two epochs back to back apply in the order posted; no frame is dropped while the keys change', async () => {
    const cryptor = new FrameCryptor();
    const sender = track(cryptor, 'encrypt');
    await feedWhile(sender, cryptor.receive(epoch(1, 0, [0, 1])));
    const before = await sender.settle();

    // Epoch 2 is slow to install and epoch 3 fast: queued, 3 still comes last.
    const both = Promise.all([cryptor.receive(epoch(2, 0, CROWD)), cryptor.receive(epoch(3, 0, [0, 1]))]);
    await feedWhile(sender, both);
    for (let i = 0; i < 20; i++) sender.push(opusFrame());
    const after = await sender.settle();

    expect(after.noKey).toBe(before.noKey);
    expect(after.frames).toBe(sender.pushed - before.noKey);
    const epochs = sender.out.map(sealedEpoch);
    for (let i = 1; i < epochs.length; i++) expect(epochs[i]).toBeGreaterThanOrEqual(epochs[i - 1] as number);
    expect(epochs.slice(-20)).toEqual(new Array(20).fill(3));
  });

  it('an epoch, a clear and an epoch back to back: the last word wins, and the cleared epoch never returns', async () => {
    const cryptor = new FrameCryptor();
    const sender = track(cryptor, 'encrypt');
    const all = Promise.all([cryptor.receive(epoch(1, 0, CROWD)), cryptor.receive({ kind: 'clear' }), cryptor.receive(epoch(2, 0, [0, 1]))]);
    await feedWhile(sender, all);
    for (let i = 0; i < 20; i++) sender.push(opusFrame());
    await sender.settle();
    const epochs = sender.out.map(sealedEpoch);
    expect(epochs.slice(-20)).toEqual(new Array(20).fill(2));
    // Once a frame under epoch 2 went out, none under epoch 1 follows it.
    const first2 = epochs.indexOf(2);
    expect(epochs.slice(first2)).not.toContain(1);
  });

  it('a receiver keeps the previous epoch through its grace only, even when epochs arrive back to back', async () => {
    const graceEnds: Array<() => void> = [];
    const receiver = new FrameCryptor(1000, (end) => void graceEnds.push(end));
    const other = new FrameCryptor();
    const sent = track(other, 'encrypt');

    // The other member (leaf 1) seals frames under epoch 1, then under epoch 2.
    await other.receive(epoch(1, 1, CROWD));
    for (let i = 0; i < 10; i++) sent.push(opusFrame());
    await sent.settle();
    await other.receive(epoch(2, 1, [0, 1]));
    for (let i = 0; i < 10; i++) sent.push(opusFrame());
    await sent.settle();
    const underEpoch1 = sent.out.slice(0, 10);
    const underEpoch2 = sent.out.slice(10);
    expect(underEpoch1.map(sealedEpoch)).toEqual(new Array(10).fill(1));
    expect(underEpoch2.map(sealedEpoch)).toEqual(new Array(10).fill(2));

    const copy = (frame: EncodedFrame): EncodedFrame => ({ data: frame.data.slice(0) });
    const incoming = track(receiver, 'decrypt');
    const both = Promise.all([receiver.receive(epoch(1, 0, CROWD)), receiver.receive(epoch(2, 0, [0, 1]))]);
    await both;
    // Both epochs are installed: frames in flight under the old one still open.
    for (const frame of [...underEpoch1.slice(0, 5), ...underEpoch2.slice(0, 5)]) incoming.push(copy(frame));
    let counts = await incoming.settle();
    expect(counts.frames).toBe(10);
    expect(counts.noKey).toBe(0);

    // The grace of epoch 1 ends: its keys are gone, epoch 2's stay.
    expect(graceEnds).toHaveLength(1);
    for (const end of graceEnds) end();
    await receiver.whenIdle();
    for (const frame of underEpoch1.slice(5)) incoming.push(copy(frame));
    for (const frame of underEpoch2.slice(5)) incoming.push(copy(frame));
    counts = await incoming.settle();
    expect(counts.noKey).toBe(5);
    expect(counts.frames).toBe(15);
    expect(counts.failuresByLeaf).toEqual({});
  });

  it('a grace period that ends after a clear removes nothing of the epochs that came after it', async () => {
    const graceEnds: Array<() => void> = [];
    const cryptor = new FrameCryptor(1000, (end) => void graceEnds.push(end));
    const sender = track(cryptor, 'encrypt');
    await cryptor.receive(epoch(1, 0, [0, 1]));
    await cryptor.receive(epoch(2, 0, [0, 1]));
    await cryptor.receive({ kind: 'clear' });
    // Epoch 17 has the KIDs of epoch 1 (4 epoch bits): the stale grace timer must not take them.
    await cryptor.receive(epoch(17, 0, [0, 1]));
    for (const end of graceEnds) end();
    await cryptor.whenIdle();
    for (let i = 0; i < 5; i++) sender.push(opusFrame());
    const counts = await sender.settle();
    expect(counts.frames).toBe(5);
    expect(sender.out.map(sealedEpoch)).toEqual(new Array(5).fill(17 % 16));
  });

  it('a key message that fails leaves the keys as they were and does not hold up the next', async () => {
    const cryptor = new FrameCryptor();
    const sender = track(cryptor, 'encrypt');
    await cryptor.receive(epoch(1, 0, [0, 1]));
    // The same epoch again would reuse a base key under the same KID: refused.
    const repeated = cryptor.receive(epoch(1, 0, [0, 1]));
    const next = cryptor.receive(epoch(2, 0, [0, 1]));
    await expect(repeated).rejects.toThrow(/already used/);
    for (let i = 0; i < 3; i++) sender.push(opusFrame());
    await sender.settle();
    await next;
    for (let i = 0; i < 3; i++) sender.push(opusFrame());
    const counts = await sender.settle();
    expect(counts.frames).toBe(6);
    expect(sender.out.slice(-3).map(sealedEpoch)).toEqual([2, 2, 2]);
  });
});

/** `count` Opus frames sealed by the member at `leaf` under each of these epochs, in turn. */
async function sealedBy(leaf: number, epochs: number[], count: number): Promise<EncodedFrame[][]> {
  const cryptor = new FrameCryptor();
  const sent = track(cryptor, 'encrypt');
  const out: EncodedFrame[][] = [];
  for (const n of epochs) {
    await cryptor.receive(epoch(n, leaf, [0, 1]));
    const before = sent.out.length;
    for (let i = 0; i < count; i++) sent.push(opusFrame());
    await sent.settle();
    out.push(sent.out.slice(before));
  }
  return out;
}

describe('frames under keys still on their way are held for them, briefly (issue 15)', () => {
  it('a newcomer\'s first frames, arriving before its Welcome is processed, open once the epoch is installed, in order', async () => {
    const [frames = []] = await sealedBy(1, [4], 5);
    const joiner = new FrameCryptor(1000, undefined, 10_000);
    const incoming = track(joiner, 'decrypt');
    for (const frame of frames) incoming.push(frame);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Held, not dropped: nothing has come out, nothing is counted yet.
    expect(incoming.out).toHaveLength(0);
    expect(incoming.counts().noKey).toBe(0);
    await joiner.receive(epoch(4, 0, [0, 1]));
    const counts = await incoming.settle();
    expect(counts).toMatchObject({ frames: 5, noKey: 0 });
  });

  it('a member a commit ahead: its frames under the next epoch wait for this page to enter it', async () => {
    const [, ahead = []] = await sealedBy(1, [6, 7], 3);
    const behind = new FrameCryptor(1000, undefined, 10_000);
    await behind.receive(epoch(6, 0, [0, 1]));
    const incoming = track(behind, 'decrypt');
    for (const frame of ahead) incoming.push(frame);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(incoming.out).toHaveLength(0);
    await behind.receive(epoch(7, 0, [0, 1]));
    expect(await incoming.settle()).toMatchObject({ frames: 3, noKey: 0 });
  });

  it('a key that does not come in time: the run is dropped, and frames after it are not held again until one opens', async () => {
    const [first = [], second = []] = await sealedBy(1, [2, 3], 3);
    const receiver = new FrameCryptor(1000, undefined, 100);
    await receiver.receive(epoch(1, 0, [0, 1]));
    const incoming = track(receiver, 'decrypt');
    for (const frame of first) incoming.push(frame);
    expect(await incoming.settle()).toMatchObject({ frames: 0, noKey: 3 });
    // The wait ran out: the next frame without a key is dropped at once, though its key comes right after.
    incoming.push(second[0] as EncodedFrame);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await receiver.receive(epoch(2, 0, [0, 1]));
    expect(await incoming.settle()).toMatchObject({ frames: 0, noKey: 4 });
    // A frame that opens starts a new run: frames one epoch ahead are held again.
    incoming.push({ data: (first[1] as EncodedFrame).data.slice(0) });
    expect(await incoming.settle()).toMatchObject({ frames: 1 });
    incoming.push(second[1] as EncodedFrame);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await receiver.receive(epoch(3, 0, [0, 1]));
    expect(await incoming.settle()).toMatchObject({ frames: 2, noKey: 4 });
  });

  it('frames under an epoch already left, or from a sender the current epoch does not have, are dropped without waiting', async () => {
    const [old = []] = await sealedBy(1, [1], 2);
    const [stranger = []] = await sealedBy(5, [3], 2);
    // A wait of a minute: a frame held for it would not be settled in time below.
    const receiver = new FrameCryptor(0, undefined, 60_000);
    await receiver.receive(epoch(1, 0, [0, 1]));
    await receiver.receive(epoch(3, 0, [0, 1]));
    await new Promise((resolve) => setTimeout(resolve, 10));
    await receiver.whenIdle();
    const incoming = track(receiver, 'decrypt');
    for (const frame of [...old, ...stranger]) incoming.push(frame);
    await vi.waitFor(() => expect(incoming.counts().noKey).toBe(4), { timeout: 2000, interval: 5 });
    expect(incoming.out).toHaveLength(0);
  });
});

describe('forged KIDs cannot make a track wait', () => {
  it('once a track\'s sender is known, frames naming another sender, or one beyond any room, are dropped at once', async () => {
    const [honest = []] = await sealedBy(1, [1], 2);
    const [otherSender = []] = await sealedBy(0, [2], 1);
    const [impossible = []] = await sealedBy(300, [2], 1);
    const receiver = new FrameCryptor(1000, undefined, 60_000);
    await receiver.receive(epoch(1, 0, [0, 1]));
    const incoming = track(receiver, 'decrypt');
    incoming.push(honest[0] as EncodedFrame);
    expect(await incoming.settle()).toMatchObject({ frames: 1 });
    // Epoch 2 is one ahead, but neither frame is the track's sender's (leaf 1): a wait of a minute is not begun.
    for (const frame of [...otherSender, ...impossible]) incoming.push(frame);
    await vi.waitFor(() => expect(incoming.counts().noKey).toBe(2), { timeout: 2000, interval: 5 });
    incoming.push(honest[1] as EncodedFrame);
    expect(await incoming.settle()).toMatchObject({ frames: 2, noKey: 2 });
  });

  it('an epoch waited for in vain is not waited for again until the keys change', async () => {
    const [ahead = []] = await sealedBy(1, [2], 4);
    const [honest = []] = await sealedBy(1, [1], 3);
    const receiver = new FrameCryptor(1000, undefined, 150);
    await receiver.receive(epoch(1, 0, [0, 1]));
    const incoming = track(receiver, 'decrypt');
    incoming.push(honest[0] as EncodedFrame);
    incoming.push(ahead[0] as EncodedFrame);
    expect(await incoming.settle()).toMatchObject({ frames: 1, noKey: 1 });
    // An honest frame opens between them (a new run), yet epoch 2 was waited for in vain: dropped at once now.
    incoming.push(honest[1] as EncodedFrame);
    incoming.push(ahead[1] as EncodedFrame);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await receiver.receive(epoch(3, 0, [0, 1]));
    expect(await incoming.settle()).toMatchObject({ frames: 2, noKey: 2 });
  });
});

describe('a frame with the largest KID there is', () => {
  it('is dropped as keyless, and the track goes on (it once ended the track: the KID did not parse)', async () => {
    const [honest = []] = await sealedBy(1, [1], 2);
    for (const knownSender of [false, true]) {
      const receiver = new FrameCryptor(1000, undefined, 60_000);
      await receiver.receive(epoch(1, 0, [0, 1]));
      const incoming = track(receiver, 'decrypt');
      if (knownSender) incoming.push({ data: (honest[0] as EncodedFrame).data.slice(0) });
      // Opus TOC, then an SFrame header of an 8-byte KID and an 8-byte CTR, all ones, then a "ciphertext".
      incoming.push({ data: new Uint8Array([OPUS_TOC, 0xff, ...new Array(16).fill(0xff), ...new Array(40).fill(0x5a)]).buffer });
      incoming.push({ data: (honest[1] as EncodedFrame).data.slice(0) });
      const counts = await incoming.settle();
      expect(counts).toMatchObject({ frames: knownSender ? 2 : 1, noKey: 1 });
    }
  });
});

describe('a newcomer\'s first frames wait for its first keys (issue 15)', () => {
  it('frames made before the first epoch are sealed under it once it comes, in order; after a clear they are dropped at once', async () => {
    const cryptor = new FrameCryptor(1000, undefined, 10_000);
    const sender = track(cryptor, 'encrypt');
    for (let i = 0; i < 5; i++) sender.push(opusFrame());
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Nothing left, nothing dropped: held for the keys.
    expect(sender.out).toHaveLength(0);
    expect(sender.counts().noKey).toBe(0);
    await cryptor.receive(epoch(5, 0, [0, 1]));
    expect(await sender.settle()).toMatchObject({ frames: 5, noKey: 0 });
    expect(sender.out.map(sealedEpoch)).toEqual([5, 5, 5, 5, 5]);
    // Removed from the group: no key, and none awaited.
    await cryptor.receive({ kind: 'clear' });
    for (let i = 0; i < 3; i++) sender.push(opusFrame());
    await vi.waitFor(() => expect(sender.counts().noKey).toBe(3), { timeout: 2000, interval: 5 });
    expect(sender.out).toHaveLength(5);
  });

  it('keys that do not come within the wait: the frames are dropped, never sent in the clear', async () => {
    const cryptor = new FrameCryptor(1000, undefined, 80);
    const sender = track(cryptor, 'encrypt');
    for (let i = 0; i < 4; i++) sender.push(opusFrame());
    expect(await sender.settle()).toMatchObject({ frames: 0, noKey: 4 });
    expect(sender.out).toEqual([]);
  });
});
