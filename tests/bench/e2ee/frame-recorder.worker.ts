/*
 * The recording tap of the side-by-side frame bench: an RTCRtpScriptTransform
 * on a loopback call's senders that passes every frame on and, while asked
 * to, keeps a copy of it. It also keeps the stream's first key frame, as a
 * call has one at its start (Chromium 156's transformer cannot ask for more:
 * it has no generateKeyFrame).
 */
import { copyFrame, type EncodedFrame } from './encoded-frame.js';
import type { FramesByKind, MediaKind } from './frame-bench-protocol.js';

interface RecordingTransformer {
  readable: ReadableStream<EncodedFrame>;
  writable: WritableStream<EncodedFrame>;
  options: { kind: MediaKind };
}

export interface ToRecorder {
  record: boolean;
}

interface RecorderScope {
  onrtctransform: ((event: { transformer: RecordingTransformer }) => void) | null;
  onmessage: ((event: MessageEvent<ToRecorder>) => void) | null;
  postMessage(message: FramesByKind): void;
}

const scope = globalThis as unknown as RecorderScope;
const frames: FramesByKind = { video: [], audio: [] };
let recording = false;
let firstKeyFrame: EncodedFrame | undefined;

scope.onrtctransform = ({ transformer }) => {
  const kind = transformer.options.kind;
  transformer.readable
    .pipeThrough(
      new TransformStream<EncodedFrame, EncodedFrame>({
        transform(frame, controller) {
          if (!firstKeyFrame && frame.type === 'key') firstKeyFrame = copyFrame(frame);
          if (recording && frame.data.byteLength > 0) frames[kind].push(copyFrame(frame));
          controller.enqueue(frame);
        },
      }),
    )
    .pipeTo(transformer.writable)
    .catch(() => undefined);
};

scope.onmessage = ({ data }) => {
  recording = data.record;
  if (recording) return;
  scope.postMessage({ video: firstKeyFrame ? [firstKeyFrame, ...frames.video] : frames.video, audio: frames.audio });
};
