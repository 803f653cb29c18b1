import { decryptFrame, clearPrefixLength, type MediaCodec } from '../../web/src/lib/e2ee/media-frame.js';
import { decodeSFrameHeader } from '../../web/src/lib/e2ee/sframe-header.js';
import { SFrameContext } from '../../web/src/lib/e2ee/sframe.js';

export interface ProtectedFrame {
  codec: MediaCodec;
  bytes: Uint8Array;
}

/**
 * How many of `frames` any of `baseKeys` (hex) opens, each key tried under
 * every KID the frames carry — more than a holder of those keys could do in
 * the app, where a key serves its own epoch's KIDs only.
 */
export async function framesOpenedBy(frames: ProtectedFrame[], baseKeys: string[]): Promise<number> {
  return (await openFrames(frames, baseKeys)).filter((f) => f !== undefined).length;
}

/** Each frame as the encoder made it, if one of `baseKeys` (hex) opens it (same search as `framesOpenedBy`). */
export async function openFrames(frames: ProtectedFrame[], baseKeys: string[]): Promise<Array<Uint8Array | undefined>> {
  const kids = new Set<bigint>();
  for (const frame of frames) kids.add(decodeSFrameHeader(frame.bytes.subarray(clearPrefixLength(frame.codec, frame.bytes))).kid);
  const opened = new Map<ProtectedFrame, Uint8Array>();
  for (const hex of new Set(baseKeys)) {
    const context = new SFrameContext();
    for (const kid of kids) await context.addReceiveKey(kid, Buffer.from(hex, 'hex'));
    for (const frame of frames) {
      if (opened.has(frame)) continue;
      try {
        opened.set(frame, (await decryptFrame(context, frame.codec, frame.bytes)).frame);
      } catch {
        // Not this key.
      }
    }
  }
  return frames.map((frame) => opened.get(frame));
}
