import type { FirstTapPacket, TappedProducer } from './first-packet-tap.js';
import { vp8FrameBytes } from './rtp-tap.js';
import type { ProtectedFrame } from './sframe-attempt.js';

/**
 * The frames a tapped producer sent, whole, as a spy would try to read them:
 * one Opus frame per packet; VP8 frames put together per simulcast stream,
 * from the packet that starts one (S=1, partition 0) to the marker bit, in
 * sequence-number order. A packet lost on the way to the SFU comes later, as
 * the browser's retransmission, which the router hands on as the packet it
 * replaces: put together in the order they arrived, that frame would have a
 * hole and fail to open like a frame sent in the clear. A frame whose hole was
 * never filled is not a frame anybody sent, and is left out (`incomplete`
 * counts them). Padding-only packets carry no frame of their own.
 */
export function tappedFrames(tapped: TappedProducer): ProtectedFrame[] {
  return tappedFrameCount(tapped).frames;
}

export function tappedFrameCount(tapped: TappedProducer): { frames: ProtectedFrame[]; incomplete: number } {
  const media = tapped.packets.filter((p) => p.mimeType !== 'video/rtx' && p.payload.length > 0);
  if (tapped.kind === 'audio') return { frames: media.map((p) => ({ codec: 'opus', bytes: p.payload })), incomplete: 0 };
  const frames: ProtectedFrame[] = [];
  let incomplete = 0;
  for (const stream of inSequence(media)) {
    let parts: Uint8Array[] | undefined;
    let previous: number | undefined;
    for (const { packet, sequence } of stream) {
      const { startsFrame, bytes } = vp8FrameBytes(packet.payload);
      if (parts && (startsFrame || sequence !== previous! + 1)) {
        parts = undefined;
        incomplete += 1;
      }
      previous = sequence;
      if (startsFrame) parts = [];
      if (!parts) continue;
      parts.push(bytes);
      if (packet.marker) {
        const bytesOfFrame = new Uint8Array(Buffer.concat(parts));
        if (bytesOfFrame.length > 0) frames.push({ codec: 'vp8', bytes: bytesOfFrame });
        parts = undefined;
      }
    }
  }
  return { frames, incomplete };
}

/**
 * Each stream's packets (by SSRC) in sequence-number order, duplicates once,
 * with the 16-bit number carried on across its wrap (each packet's number is
 * taken nearest to the one before it in arrival).
 */
function inSequence(packets: FirstTapPacket[]): Array<Array<{ packet: FirstTapPacket; sequence: number }>> {
  const streams = new Map<number, { last: number; bySequence: Map<number, FirstTapPacket> }>();
  for (const packet of packets) {
    const stream = streams.get(packet.ssrc);
    if (!stream) {
      streams.set(packet.ssrc, { last: packet.sequenceNumber, bySequence: new Map([[packet.sequenceNumber, packet]]) });
      continue;
    }
    const ahead = (packet.sequenceNumber - (stream.last & 0xffff)) & 0xffff;
    const sequence = stream.last + (ahead >= 0x8000 ? ahead - 0x10000 : ahead);
    stream.last = sequence;
    if (!stream.bySequence.has(sequence)) stream.bySequence.set(sequence, packet);
  }
  return [...streams.values()].map(({ bySequence }) =>
    [...bySequence.entries()].sort(([a], [b]) => a - b).map(([sequence, packet]) => ({ packet, sequence })),
  );
}

/** Media packets (retransmissions aside) the spy received from a producer. */
export function tappedMediaPackets(tapped: TappedProducer): number {
  return tapped.packets.filter((p) => p.mimeType !== 'video/rtx').length;
}
