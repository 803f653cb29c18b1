/*
 * The frame crypto worker: every encoded audio and video frame of a session
 * passes here on its way to or from the SFU. One worker and one SFrame
 * context per page, so the audio and video of a sender share one counter per
 * KID and never reuse a nonce.
 *
 * Fail-closed: a frame with no key is dropped, never passed on in the clear;
 * a frame that does not authenticate is dropped and counted against its sender.
 * Nothing here logs frames or keys.
 */
import { decryptFrame, encryptFrame } from './media-frame.js';
import { SFrameError } from './sframe-error.js';
import { mlsKid, parseMlsKid } from './sframe-mls.js';
import { SFrameContext } from './sframe.js';
import type { FromWorker, ToWorker, TrackCounts, TransformOptions } from './worker-protocol.js';

interface EncodedFrame {
  data: ArrayBuffer;
}

interface ScriptTransformer {
  readable: ReadableStream<EncodedFrame>;
  writable: WritableStream<EncodedFrame>;
  options: TransformOptions;
}

interface WorkerScope {
  onrtctransform: ((event: { transformer: ScriptTransformer }) => void) | null;
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
}

const scope = globalThis as unknown as WorkerScope;

/** How long the previous epoch's keys stay, so frames in flight still decrypt. */
const GRACE_MS = 1000;

const context = new SFrameContext();
let sendKid: bigint | undefined;
/** The KIDs installed for each epoch still alive (the current one, and the previous during its grace). */
const liveKids = new Map<number, bigint[]>();
const counts = new Map<string, TrackCounts>();

function countsFor(options: TransformOptions): TrackCounts {
  let entry = counts.get(options.trackId);
  if (!entry) {
    entry = {
      trackId: options.trackId,
      operation: options.operation,
      frames: 0,
      noKey: 0,
      failuresByLeaf: {},
      busyMs: 0,
      bytesIn: 0,
      bytesOut: 0,
    };
    counts.set(options.trackId, entry);
  }
  return entry;
}

async function installEpoch(message: Extract<ToWorker, { kind: 'epoch' }>): Promise<void> {
  const previous = [...liveKids.entries()];
  const ownKid = mlsKid(message.ownLeaf, message.epoch);
  for (const leaf of message.memberLeaves) {
    if (leaf !== message.ownLeaf) await context.addReceiveKey(mlsKid(leaf, message.epoch), message.baseKey);
  }
  await context.addSendKey(ownKid, message.baseKey);
  sendKid = ownKid;
  liveKids.set(message.epoch, [ownKid, ...message.memberLeaves.filter((l) => l !== message.ownLeaf).map((l) => mlsKid(l, message.epoch))]);
  setTimeout(() => {
    for (const [epoch, kids] of previous) {
      if (epoch === message.epoch) continue;
      for (const kid of kids) context.removeKey(kid);
      liveKids.delete(epoch);
    }
  }, GRACE_MS);
}

function clearAll(): void {
  for (const kids of liveKids.values()) for (const kid of kids) context.removeKey(kid);
  liveKids.clear();
  sendKid = undefined;
}

function transformStream(options: TransformOptions): TransformStream<EncodedFrame, EncodedFrame> {
  const tally = countsFor(options);
  return new TransformStream<EncodedFrame, EncodedFrame>({
    async transform(frame, controller) {
      const data = new Uint8Array(frame.data);
      const started = performance.now();
      if (options.operation === 'encrypt') {
        if (sendKid === undefined) {
          tally.noKey++;
          return;
        }
        try {
          frame.data = (await encryptFrame(context, sendKid, options.codec, data)).buffer;
        } catch {
          tally.noKey++;
          return;
        }
      } else {
        try {
          frame.data = (await decryptFrame(context, options.codec, data)).frame.buffer;
        } catch (error) {
          if (error instanceof SFrameError && error.code === 'unknown-kid') tally.noKey++;
          else {
            const leaf = error instanceof SFrameError && error.kid !== undefined ? parseMlsKid(error.kid).senderIndex : -1;
            tally.failuresByLeaf[leaf] = (tally.failuresByLeaf[leaf] ?? 0) + 1;
          }
          return;
        }
      }
      tally.frames++;
      tally.busyMs += performance.now() - started;
      tally.bytesIn += data.byteLength;
      tally.bytesOut += frame.data.byteLength;
      controller.enqueue(frame);
    },
  });
}

function attach(readable: ReadableStream<EncodedFrame>, writable: WritableStream<EncodedFrame>, options: TransformOptions): void {
  readable.pipeThrough(transformStream(options)).pipeTo(writable).catch(() => undefined);
}

scope.onrtctransform = (event) => {
  const { transformer } = event;
  attach(transformer.readable, transformer.writable, transformer.options);
};

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.kind) {
    case 'epoch':
      void installEpoch(message);
      break;
    case 'clear':
      clearAll();
      break;
    case 'streams':
      attach(message.readable as ReadableStream<EncodedFrame>, message.writable as WritableStream<EncodedFrame>, message.options);
      break;
    default: {
      const unknown: never = message;
      throw new Error(`unknown worker message ${String((unknown as { kind?: unknown }).kind)}`);
    }
  }
};

setInterval(() => {
  scope.postMessage({ kind: 'counts', tracks: [...counts.values()] });
}, 500);
scope.postMessage({ kind: 'ready' });
