import type { TappedProducer } from './first-packet-tap.js';
import { vp8FrameBytes } from './rtp-tap.js';
import type { ProtectedFrame } from './sframe-attempt.js';

/**
 * The frames a tapped producer sent, whole, as a spy would try to read them:
 * one Opus frame per packet; VP8 frames put together per simulcast stream,
 * from the packet that starts one (S=1, partition 0) to the marker bit.
 * Retransmissions and padding-only packets carry no frame of their own.
 */
export function tappedFrames(tapped: TappedProducer): ProtectedFrame[] {
  const media = tapped.packets.filter((p) => p.mimeType !== 'video/rtx' && p.payload.length > 0);
  if (tapped.kind === 'audio') return media.map((p) => ({ codec: 'opus', bytes: p.payload }));
  const frames: ProtectedFrame[] = [];
  const open = new Map<number, Uint8Array[]>();
  for (const packet of media) {
    const { startsFrame, bytes } = vp8FrameBytes(packet.payload);
    if (startsFrame) open.set(packet.ssrc, []);
    const parts = open.get(packet.ssrc);
    if (!parts) continue;
    parts.push(bytes);
    if (packet.marker) {
      frames.push({ codec: 'vp8', bytes: new Uint8Array(Buffer.concat(parts)) });
      open.delete(packet.ssrc);
    }
  }
  return frames.filter((f) => f.bytes.length > 0);
}

/** Media packets (retransmissions aside) the spy received from a producer. */
export function tappedMediaPackets(tapped: TappedProducer): number {
  return tapped.packets.filter((p) => p.mimeType !== 'video/rtx').length;
}
