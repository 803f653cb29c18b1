/**
 * What the side-by-side frame bench's page and its worker harnesses say to
 * each other, and what a run reports. Shared by the page bundle, the worker
 * bundle and the Node side of `bench:e2ee`.
 */
import type { EncodedFrame } from './encoded-frame.js';

/**
 * What runs in a harness worker: our shipped frame worker, LiveKit's shipped
 * E2EE worker, or a floor built into the harness itself — frames read,
 * copied and written (the cost of streams and frame objects alone), the same
 * through a TransformStream (what that structure adds), and one awaited
 * WebCrypto AES-GCM call per frame with nothing else (the least any
 * WebCrypto frame encryption costs).
 */
export type FrameTarget = 'care' | 'livekit' | 'webcrypto' | 'passthrough' | 'pipe';

export type Direction = 'encrypt' | 'decrypt';

export type MediaKind = 'video' | 'audio';

/** LiveKit's participant identity for the one sender whose frames these are. */
export const SENDER_IDENTITY = 'sender';

export type FramesByKind = Record<MediaKind, EncodedFrame[]>;

/** Page to harness. Anything without `bench` goes to the worker under test unchanged. */
export type ToHarness =
  /** The floor's AES key (the webcrypto floor only), before `attach`. */
  | { bench: 'floor-key'; key: Uint8Array }
  | { bench: 'attach'; direction: Direction }
  | { bench: 'frames'; input: FramesByKind; expected: FramesByKind }
  | { bench: 'run'; id: number; keepOutputs: boolean };

export interface KindResult {
  frames: number;
  /** Wall time per frame, frame in to frame out, microseconds: one value per batch of frames timed together. */
  us: number[];
  bytesIn: number;
  bytesOut: number;
}

export interface RunResult {
  id: number;
  video: KindResult;
  audio: KindResult;
  /** The frames as they came out (only when asked: the sealed frames a receiver then opens). */
  outputs?: FramesByKind;
}

/** Harness to page. */
export type FromHarness =
  | { bench: 'ready'; crossOriginIsolated: boolean }
  | { bench: 'attached' }
  | { bench: 'stored' }
  | { bench: 'result'; result: RunResult }
  | { bench: 'failed'; id?: number; message: string };

/** The medians one target reached over the interleaved rounds, microseconds per frame. */
export interface TargetFigures {
  /** Median over rounds of (seal + open) per frame: per kind the median batch, weighted by the recorded mix of audio and video. */
  usPerFrame: number;
  sealVideoUs: number;
  openVideoUs: number;
  sealAudioUs: number;
  openAudioUs: number;
  /** Mean bytes a sealed frame carries beyond the frame it sealed, over every frame of every round. */
  bytesPerFrame: number;
}
