import type { types } from 'mediasoup';

/** An RTP packet as the SFU forwards it: the parts a server-side spy can read. */
export interface TappedPacket {
  kind: 'audio' | 'video';
  producerId: string;
  payload: Uint8Array;
  marker: boolean;
}

/** RTP payload after the fixed header, CSRCs, header extension and padding (RFC 3550 §5.1). */
export function rtpPayload(packet: Uint8Array): Uint8Array {
  const csrcCount = packet[0]! & 0x0f;
  const hasExtension = (packet[0]! & 0x10) !== 0;
  const hasPadding = (packet[0]! & 0x20) !== 0;
  let offset = 12 + 4 * csrcCount;
  if (hasExtension) {
    const words = (packet[offset + 2]! << 8) | packet[offset + 3]!;
    offset += 4 + 4 * words;
  }
  const end = hasPadding ? packet.length - packet[packet.length - 1]! : packet.length;
  return packet.subarray(offset, end);
}

/**
 * Strips the VP8 payload descriptor (RFC 7741 §4.2) and says whether the
 * packet starts a frame (S=1, partition 0).
 */
export function vp8FrameBytes(payload: Uint8Array): { startsFrame: boolean; bytes: Uint8Array } {
  const first = payload[0]!;
  const extended = (first & 0x80) !== 0;
  const startsFrame = (first & 0x10) !== 0 && (first & 0x07) === 0;
  let offset = 1;
  if (extended) {
    const flags = payload[1]!;
    offset = 2;
    if (flags & 0x80) offset += (payload[offset]! & 0x80) !== 0 ? 2 : 1; // PictureID
    if (flags & 0x40) offset += 1; // TL0PICIDX
    if (flags & 0x30) offset += 1; // TID/KEYIDX
  }
  return { startsFrame, bytes: payload.subarray(offset) };
}

/** Whole VP8 frames of one producer, put together from its packets (first packet S=1 to the marker bit). */
export function vp8Frames(packets: TappedPacket[], producerId: string): Array<{ key: boolean; bytes: Uint8Array }> {
  const frames: Array<{ key: boolean; bytes: Uint8Array }> = [];
  let parts: Uint8Array[] | undefined;
  for (const packet of packets) {
    if (packet.kind !== 'video' || packet.producerId !== producerId) continue;
    const { startsFrame, bytes } = vp8FrameBytes(packet.payload);
    if (startsFrame) parts = [];
    if (!parts) continue;
    parts.push(bytes);
    if (packet.marker) {
      const whole = Buffer.concat(parts);
      frames.push({ key: whole.length > 0 && (whole[0]! & 0x01) === 0, bytes: new Uint8Array(whole) });
      parts = undefined;
    }
  }
  return frames;
}

/** Shannon entropy in bits per byte. */
export function entropyBitsPerByte(chunks: Uint8Array[]): number {
  const counts = new Array<number>(256).fill(0);
  let total = 0;
  for (const chunk of chunks) {
    for (const byte of chunk) counts[byte]!++;
    total += chunk.length;
  }
  let bits = 0;
  for (const count of counts) {
    if (count === 0) continue;
    const p = count / total;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * A server-side consumer of every producer in a router: it receives exactly
 * what the SFU forwards to a participant (after SRTP, before the browser).
 */
export async function tapProducers(
  router: types.Router,
  producers: Iterable<{ producer: types.Producer }>,
  durationMs: number,
): Promise<TappedPacket[]> {
  const transport = await router.createDirectTransport();
  const packets: TappedPacket[] = [];
  for (const { producer } of producers) {
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
    consumer.on('rtp', (packet: Buffer) => {
      const bytes = new Uint8Array(packet);
      packets.push({ kind: consumer.kind, producerId: producer.id, payload: rtpPayload(bytes).slice(), marker: (bytes[1]! & 0x80) !== 0 });
    });
    if (consumer.kind === 'video') await consumer.requestKeyFrame();
  }
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  transport.close();
  return packets;
}
