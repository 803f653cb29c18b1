import type { MediaCodec } from './media-frame.js';

/** How often the worker posts its frame counts to the page. */
export const COUNTS_EVERY_MS = 500;
/**
 * Counts older than this (two posts) are stale: on a page starved of CPU they reach the main thread seconds late, and
 * the transform watches must not take a working transform for a silent one by them.
 */
export const COUNTS_STALE_MS = 2 * COUNTS_EVERY_MS;

/** Options given to each RTCRtpScriptTransform (or with the fallback's streams). */
export interface TransformOptions {
  operation: 'encrypt' | 'decrypt';
  codec: MediaCodec;
  /** Our own id for the track, to report its counts. */
  trackId: string;
}

/**
 * The messages that change the worker's keys. The worker applies them one at
 * a time in the order they were posted (see FrameCryptor).
 */
export type KeyMessage =
  | {
      kind: 'epoch';
      epoch: number;
      /** MLS-Exporter("SFrame 1.0 Base Key", "", 16) of this epoch. */
      baseKey: Uint8Array;
      ownLeaf: number;
      memberLeaves: number[];
    }
  | { kind: 'clear' };

/** Main thread to worker. One discriminated union; the worker checks every kind. */
export type ToWorker =
  | KeyMessage
  | {
      // Fallback for browsers with createEncodedStreams but no RTCRtpScriptTransform.
      kind: 'streams';
      readable: ReadableStream;
      writable: WritableStream;
      options: TransformOptions;
    };

export interface TrackCounts {
  trackId: string;
  operation: 'encrypt' | 'decrypt';
  /** Frames that passed through, encrypted or decrypted. */
  frames: number;
  /** Frames dropped because there was no key for them (fail-closed). */
  noKey: number;
  /** Frames that failed authentication, by the sender leaf encoded in their KID. */
  failuresByLeaf: Record<number, number>;
  /**
   * Where the track's pump is: waiting for the decoder or packetizer to take
   * more (`backpressure`), for the browser's next frame (`reading`), sealing
   * or opening one (`processing`, which includes a wait for keys), or done
   * (`ended`, the streams closed; `failed`, one of them errored). A track
   * whose frames stop shows where they stopped.
   */
  stage: 'backpressure' | 'reading' | 'processing' | 'ended' | 'failed';
}

/** Worker to main thread. */
/** `at`: when the worker counted (its `Date.now()`), so the page can tell counts that waited behind a busy main thread. */
export type FromWorker = { kind: 'counts'; at: number; tracks: TrackCounts[] } | { kind: 'ready' };
