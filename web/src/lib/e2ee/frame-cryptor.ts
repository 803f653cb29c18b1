import { decryptFrame, encryptFrame } from './media-frame.js';
import { SFrameError } from './sframe-error.js';
import { DEFAULT_EPOCH_BITS, mlsKid, parseMlsKid } from './sframe-mls.js';
import { SFrameContext } from './sframe.js';
import type { KeyMessage, TrackCounts, TransformOptions } from './worker-protocol.js';

/** An encoded audio or video frame as WebRTC hands it to a transform (only its bytes matter here). */
export interface EncodedFrame {
  data: ArrayBuffer;
}

/** A timer to end an epoch's grace period; injectable so a test can decide when it ends. */
export type GraceScheduler = (end: () => void, ms: number) => void;

/** How long the previous epoch's keys stay, so frames in flight still decrypt. */
export const GRACE_MS = 1000;

/**
 * How long frames under an epoch not installed here yet are held for its
 * keys (RFC 9605 §4.4.4 allows it): a newcomer's first frames, which the
 * others sent as soon as the commit let them, arrive before its Welcome is
 * processed; a member a commit ahead sends under the next epoch before this
 * page has processed that commit. Dropped, they may include the key frame
 * the picture starts from, and the picture then waits for the next one.
 */
export const KEY_WAIT_MS = 1000;

/** How far ahead of the current epoch a frame's epoch may be and still be waited for (a commit or two in flight). */
const EPOCHS_AHEAD_WAITED = 2;

/** No room here has this many leaves: a frame naming a sender beyond it is not waited for. */
const MAX_SENDER_WAITED = 255;

/**
 * The sender leaf a KID names, read from its bits: a frame's KID may be any
 * 64-bit value (a forgery), which parseMlsKid refuses past 2^53; -1 then, as
 * for a frame with no sender to name. Throwing here would end the track.
 */
function senderOf(kid: bigint): number {
  const sender = kid >> BigInt(DEFAULT_EPOCH_BITS);
  return sender > BigInt(Number.MAX_SAFE_INTEGER) ? -1 : Number(sender);
}

function keySignal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A track's frames waiting for keys. */
interface KeyWait {
  /** Until when, counted from the first frame of the run that found none (0: no run). */
  until: number;
  /** The leaf whose frames the track carries, once one opened: only its frames are waited for. */
  sender: number | undefined;
  /** Epochs (low bits) waited for in vain since the keys last changed: not waited for again. */
  readonly gaveUp: Set<number>;
}

/**
 * The state machine of the frame crypto worker, apart from the worker's
 * globals so it runs (and is race-tested) anywhere with WebCrypto and web
 * streams. One SFrame context per page: the audio and video of a sender share
 * one counter per KID and never reuse a nonce.
 *
 * Key messages are applied strictly one after another, in the order they
 * arrived: an epoch whose keys are still being imported is finished before a
 * following `clear` or epoch starts, so a clear can never be undone by an
 * install that was already under way, and two epochs can never finish in the
 * wrong order (the older one winning the send key). The end of a grace period
 * goes through the same queue.
 *
 * Fail-closed: a frame with no key is dropped, never passed on in the clear; a
 * frame whose key was cleared while it was being sealed or opened is dropped
 * too; a frame that does not authenticate is dropped and counted against its
 * sender. Nothing here logs frames or keys.
 */
export class FrameCryptor {
  readonly #context = new SFrameContext();
  #sendKid: bigint | undefined;
  #currentEpoch: number | undefined;
  /** The KIDs installed for each epoch still alive (the current one, and earlier ones during their grace). */
  readonly #liveKids = new Map<number, bigint[]>();
  /** Bumped by every clear: a frame sealed or opened across one is not passed on. */
  #clears = 0;
  readonly #counts = new Map<string, TrackCounts>();
  #queue: Promise<void> = Promise.resolve();
  /** Resolved (and replaced) whenever keys are installed: frames held for a key look again. */
  #keysChanged = keySignal();
  /** Whether any epoch was installed yet: before the first, a sender's frames wait for it (see #seal). */
  #everKeyed = false;

  constructor(
    private readonly graceMs: number = GRACE_MS,
    private readonly schedule: GraceScheduler = (end, ms) => void setTimeout(end, ms),
    private readonly keyWaitMs: number = KEY_WAIT_MS,
  ) {}

  /**
   * Queues a key message behind every earlier one. Resolves once it has been
   * applied; a message that fails (keys that cannot be imported) leaves the
   * keys as they were and does not hold up the ones after it.
   */
  receive(message: KeyMessage): Promise<void> {
    return this.#enqueue(() => this.#apply(message));
  }

  /** Resolves once every key change queued so far (grace endings included) has been applied. */
  whenIdle(): Promise<void> {
    return this.#queue;
  }

  /**
   * Runs a track's frames through the cryptor until either stream ends: read
   * a frame, seal or open it, write it, one at a time and in order. Straight
   * from the transform's readable to its writable, with no TransformStream
   * between them: its two extra pipes cost a frame about as much as the
   * AES-GCM call itself (measured by `bench:e2ee`).
   */
  attach(readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>, options: TransformOptions): void {
    void this.#pump(readable.getReader(), writable.getWriter(), options);
  }

  /** What each track has seen so far. */
  counts(): TrackCounts[] {
    return [...this.#counts.values()].map((c) => ({ ...c, failuresByLeaf: { ...c.failuresByLeaf } }));
  }

  async #apply(message: KeyMessage): Promise<void> {
    switch (message.kind) {
      case 'epoch':
        return this.#installEpoch(message);
      case 'clear':
        this.#clearAll();
        return;
      default: {
        const unknown: never = message;
        throw new Error(`unknown key message ${String((unknown as { kind?: unknown }).kind)}`);
      }
    }
  }

  async #installEpoch(message: Extract<KeyMessage, { kind: 'epoch' }>): Promise<void> {
    const ownKid = mlsKid(message.ownLeaf, message.epoch);
    const receiveKids = message.memberLeaves.filter((leaf) => leaf !== message.ownLeaf).map((leaf) => mlsKid(leaf, message.epoch));
    const installed: bigint[] = [];
    try {
      for (const kid of receiveKids) {
        await this.#context.addReceiveKey(kid, message.baseKey);
        installed.push(kid);
      }
      await this.#context.addSendKey(ownKid, message.baseKey);
    } catch (error) {
      // Half an epoch is worse than none: what this message installed goes; the keys before it stay.
      const kept = new Set([...this.#liveKids.values()].flat());
      for (const kid of installed) if (!kept.has(kid)) this.#context.removeKey(kid);
      throw error;
    }
    const previous = this.#currentEpoch;
    this.#liveKids.set(message.epoch, [ownKid, ...receiveKids]);
    this.#sendKid = ownKid;
    this.#currentEpoch = message.epoch;
    this.#everKeyed = true;
    this.#keysChanged.resolve();
    this.#keysChanged = keySignal();
    if (previous !== undefined && previous !== message.epoch) {
      const generation = this.#clears;
      this.schedule(() => {
        // A clear since then removed these keys already (and a later epoch may reuse their KIDs).
        if (this.#clears === generation) void this.#enqueue(() => this.#retire(previous));
      }, this.graceMs);
    }
  }

  /** Ends an earlier epoch's grace: its keys go, except any KID the current epoch uses again. */
  #retire(epoch: number): void {
    if (epoch === this.#currentEpoch) return;
    const kids = this.#liveKids.get(epoch);
    if (!kids) return;
    const current = new Set(this.#currentEpoch === undefined ? [] : (this.#liveKids.get(this.#currentEpoch) ?? []));
    for (const kid of kids) if (!current.has(kid)) this.#context.removeKey(kid);
    this.#liveKids.delete(epoch);
  }

  #clearAll(): void {
    for (const kids of this.#liveKids.values()) for (const kid of kids) this.#context.removeKey(kid);
    this.#liveKids.clear();
    this.#sendKid = undefined;
    this.#currentEpoch = undefined;
    this.#clears++;
  }

  #enqueue(step: () => void | Promise<void>): Promise<void> {
    const done = this.#queue.then(step);
    this.#queue = done.catch(() => undefined);
    return done;
  }

  #countsFor(options: TransformOptions): TrackCounts {
    let entry = this.#counts.get(options.trackId);
    if (!entry) {
      entry = { trackId: options.trackId, operation: options.operation, frames: 0, noKey: 0, failuresByLeaf: {}, stage: 'reading' };
      this.#counts.set(options.trackId, entry);
    }
    return entry;
  }

  async #pump(reader: ReadableStreamDefaultReader<EncodedFrame>, writer: WritableStreamDefaultWriter<EncodedFrame>, options: TransformOptions): Promise<void> {
    const tally = this.#countsFor(options);
    const wait: KeyWait = { until: 0, sender: undefined, gaveUp: new Set() };
    try {
      for (;;) {
        // Backpressure as a pipe would: no read while the writable is full.
        tally.stage = 'backpressure';
        await writer.ready;
        tally.stage = 'reading';
        const { value: frame } = await reader.read();
        if (frame === undefined) break;
        tally.stage = 'processing';
        if (await this.#process(frame, options, tally, wait)) void writer.write(frame).catch(() => undefined);
      }
    } catch (error) {
      tally.stage = 'failed';
      // One side failed: end the other too, as a pipe does.
      await Promise.all([reader.cancel(error).catch(() => undefined), writer.abort(error).catch(() => undefined)]);
      return;
    }
    tally.stage = 'ended';
    await writer.close().catch(() => undefined);
  }

  /** Seals or opens one frame in place; false when it is dropped (fail-closed). */
  async #process(frame: EncodedFrame, options: TransformOptions, tally: TrackCounts, wait: KeyWait): Promise<boolean> {
    const data = new Uint8Array(frame.data);
    const clearsBefore = this.#clears;
    const out = options.operation === 'encrypt' ? await this.#seal(options, data, tally, wait) : await this.#open(options, data, tally, wait);
    if (out === undefined) return false;
    if (this.#clears !== clearsBefore) {
      tally.noKey++;
      return false;
    }
    frame.data = out;
    tally.frames++;
    return true;
  }

  /**
   * Seals a frame under the current send key. Before this page's first epoch
   * (a newcomer's camera starts as it is let in, and its keys come with the
   * Welcome a moment later) a frame waits for the keys as a received one
   * does, for the same run-long second: the encoder's first frame is a key
   * frame, and dropped, the picture would wait for the next one (asked for,
   * and ignored by the encoder if it comes too soon after the last). Nothing
   * leaves without a key either way; after a clear (removed, or left) frames
   * are dropped at once.
   */
  async #seal(options: TransformOptions, data: Uint8Array, tally: TrackCounts, wait: KeyWait): Promise<ArrayBuffer | undefined> {
    let kid = this.#sendKid;
    if (kid === undefined && !this.#everKeyed && (await this.#firstKeysCome(wait))) kid = this.#sendKid;
    if (kid === undefined) {
      tally.noKey++;
      return undefined;
    }
    try {
      const sealed = (await encryptFrame(this.#context, kid, options.codec, data)).buffer;
      wait.until = 0;
      return sealed;
    } catch {
      tally.noKey++;
      return undefined;
    }
  }

  async #open(options: TransformOptions, data: Uint8Array, tally: TrackCounts, wait: KeyWait): Promise<ArrayBuffer | undefined> {
    for (;;) {
      try {
        const { kid, frame } = await decryptFrame(this.#context, options.codec, data);
        wait.until = 0;
        // A KID that opened is one this page installed (an MLS leaf), so it parses.
        wait.sender = parseMlsKid(kid).senderIndex;
        return frame.buffer;
      } catch (error) {
        if (error instanceof SFrameError && error.code === 'unknown-kid') {
          if (await this.#keyMayCome(error.kid, wait)) continue;
          tally.noKey++;
          return undefined;
        }
        this.#countFailure(error, tally);
        return undefined;
      }
    }
  }

  /**
   * Waits for the keys of a frame's epoch when they may still come (no epoch
   * yet, or one or two ahead of the current one), until the track's wait
   * runs out; true when keys were installed meanwhile (look again). The wait
   * is the track's, from the first frame of a run without a key: frames
   * behind it are held as long, not each as long again, and once it has run
   * out frames without a key are dropped at once until one opens. Only the
   * track's own sender is waited for (its leaf, once a frame opened), and an
   * epoch waited for in vain is not waited for again until the keys change,
   * so forged KIDs between honest frames cost nothing. Whoever can send
   * frames on a track (its sender, the SFU) could drop them as well as hold
   * them, so a wait costs nothing they could not take anyway.
   */
  async #keyMayCome(kid: bigint | undefined, wait: KeyWait): Promise<boolean> {
    if (kid === undefined) return false;
    const senderIndex = senderOf(kid);
    if (senderIndex < 0 || senderIndex > MAX_SENDER_WAITED) return false;
    const epochLowBits = Number(kid & ((1n << BigInt(DEFAULT_EPOCH_BITS)) - 1n));
    if (senderIndex !== (wait.sender ?? senderIndex) || !this.#mayBeAhead(epochLowBits) || wait.gaveUp.has(epochLowBits)) return false;
    const now = Date.now();
    if (wait.until === 0) wait.until = now + this.keyWaitMs;
    const left = wait.until - now;
    if (left <= 0) return false;
    const changed = await this.#keysChangeWithin(left);
    if (changed) wait.gaveUp.clear();
    else wait.gaveUp.add(epochLowBits);
    return changed;
  }

  /** Waits for the first epoch's keys, within the track's run; true when keys were installed meanwhile. */
  async #firstKeysCome(wait: KeyWait): Promise<boolean> {
    const now = Date.now();
    if (wait.until === 0) wait.until = now + this.keyWaitMs;
    const left = wait.until - now;
    if (left <= 0) return false;
    return this.#keysChangeWithin(left);
  }

  #keysChangeWithin(ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      this.#keysChanged.promise.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]).finally(() => clearTimeout(timer));
  }

  /** Whether an epoch (the low bits a KID carries) may be one whose keys are on their way. */
  #mayBeAhead(epochLowBits: number): boolean {
    if (this.#currentEpoch === undefined) return true;
    const span = 1 << DEFAULT_EPOCH_BITS;
    const ahead = (epochLowBits - (this.#currentEpoch % span) + span) % span;
    return ahead >= 1 && ahead <= EPOCHS_AHEAD_WAITED;
  }

  #countFailure(error: unknown, tally: TrackCounts): void {
    const leaf = error instanceof SFrameError && error.kid !== undefined ? senderOf(error.kid) : -1;
    tally.failuresByLeaf[leaf] = (tally.failuresByLeaf[leaf] ?? 0) + 1;
  }
}
