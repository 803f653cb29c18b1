/** A real encoded frame as Chromium hands it to a transform (RTCEncodedVideoFrame / RTCEncodedAudioFrame). */
export interface EncodedFrame {
  data: ArrayBuffer;
  readonly type?: 'key' | 'delta' | 'empty';
  readonly timestamp?: number;
  getMetadata(): Record<string, unknown>;
}

type EncodedFrameCopier = new (original: EncodedFrame) => EncodedFrame;

/** A copy of a real encoded frame, data and metadata (Chromium's copy constructors), in a page or a worker. */
export function copyFrame(frame: EncodedFrame): EncodedFrame {
  const globals = globalThis as unknown as { RTCEncodedVideoFrame: EncodedFrameCopier; RTCEncodedAudioFrame: EncodedFrameCopier };
  return 'type' in frame ? new globals.RTCEncodedVideoFrame(frame) : new globals.RTCEncodedAudioFrame(frame);
}
