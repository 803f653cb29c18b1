import type { FramesByKind } from './frame-bench-protocol.js';
import type { ToRecorder } from './frame-recorder.worker.js';

/** What was recorded, for the bench's summary. */
export interface RecordedSummary {
  video: number;
  audio: number;
  videoKeyFrames: number;
  videoMeanBytes: number;
  audioMeanBytes: number;
  width: number;
  height: number;
}

/** The 640×360 layer of the app's simulcast (web/src/lib/rtc/room-client.ts, r1). */
const VIDEO_MAX_BITRATE = 450_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opus as a 1:1 session sends it (media/src/room-shape.ts 'pair'): constant bitrate, no DTX. */
function pairOpus(sdp: string): string {
  const pt = /a=rtpmap:(\d+) opus\/48000\/2/.exec(sdp)?.[1];
  if (!pt) return sdp;
  return sdp.replace(new RegExp(`a=fmtp:${pt} ([^\\r\\n]*)`), (_line, params: string) => `a=fmtp:${pt} ${params};cbr=1;usedtx=0`);
}

/**
 * Records real encoded frames: the fake camera at 640×360 and the fake
 * microphone through a loopback call, with a tap on the senders (an
 * RTCRtpScriptTransform in the recorder worker) that keeps a copy of each
 * frame once the bitrate has settled, and of the stream's first key frame.
 */
export async function recordFrames(warmupMs: number, recordMs: number): Promise<FramesByKind> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360, frameRate: 24 }, audio: true });
  // Without encodedInsertableStreams, Chromium runs the transform but sends frames around it.
  const a = new RTCPeerConnection({ encodedInsertableStreams: true } as RTCConfiguration);
  const b = new RTCPeerConnection();
  a.onicecandidate = (event) => void (event.candidate && b.addIceCandidate(event.candidate));
  b.onicecandidate = (event) => void (event.candidate && a.addIceCandidate(event.candidate));
  const recorder = new Worker('/recorder.js', { type: 'module' });
  const tell = (message: ToRecorder) => recorder.postMessage(message);
  for (const track of stream.getTracks()) {
    const sender = a.addTrack(track, stream);
    sender.transform = new RTCRtpScriptTransform(recorder, { kind: track.kind });
  }
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription();
  await a.setRemoteDescription({ type: 'answer', sdp: pairOpus(b.localDescription!.sdp) });
  for (const sender of a.getSenders()) {
    if (sender.track?.kind !== 'video') continue;
    const parameters = sender.getParameters();
    for (const encoding of parameters.encodings) encoding.maxBitrate = VIDEO_MAX_BITRATE;
    await sender.setParameters(parameters);
  }
  await sleep(warmupMs);
  const frames = new Promise<FramesByKind>((resolve) => (recorder.onmessage = (event: MessageEvent<FramesByKind>) => resolve(event.data)));
  tell({ record: true });
  await sleep(recordMs);
  tell({ record: false });
  const recorded = await frames;
  a.close();
  b.close();
  recorder.terminate();
  for (const track of stream.getTracks()) track.stop();
  return recorded;
}
