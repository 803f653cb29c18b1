/*
 * The frame crypto worker: every encoded audio and video frame of a session
 * passes here on its way to or from the SFU. One worker and one FrameCryptor
 * per page (see frame-cryptor.ts for the keys, their order, and fail-closed
 * handling). Nothing here logs frames or keys.
 */
import { FrameCryptor, type EncodedFrame } from './frame-cryptor.js';
import { COUNTS_EVERY_MS, type FromWorker, type ToWorker, type TransformOptions } from './worker-protocol.js';

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
const cryptor = new FrameCryptor();

scope.onrtctransform = ({ transformer }) => {
  cryptor.attach(transformer.readable, transformer.writable, transformer.options);
};

scope.onmessage = (event) => {
  const message = event.data;
  switch (message.kind) {
    case 'epoch':
    case 'clear':
      // A failed epoch keeps the keys before it; frames without a key are dropped meanwhile.
      cryptor.receive(message).catch(() => undefined);
      break;
    case 'streams':
      cryptor.attach(message.readable as ReadableStream<EncodedFrame>, message.writable as WritableStream<EncodedFrame>, message.options);
      break;
    default: {
      const unknown: never = message;
      throw new Error(`unknown worker message ${String((unknown as { kind?: unknown }).kind)}`);
    }
  }
};

setInterval(() => {
  scope.postMessage({ kind: 'counts', at: Date.now(), tracks: cryptor.counts() });
}, COUNTS_EVERY_MS);
scope.postMessage({ kind: 'ready' });
