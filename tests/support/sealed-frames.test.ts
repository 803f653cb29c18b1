import { describe, expect, it } from 'vitest';
import type { FirstTapPacket, TappedProducer } from './first-packet-tap.js';
import { tappedFrameCount } from './sealed-frames.js';

/** A VP8 packet: a one-byte descriptor (S=1 on a frame's first packet) and one payload byte. */
function vp8(ssrc: number, sequenceNumber: number, byte: number, { starts = false, marker = false } = {}): FirstTapPacket {
  return { ssrc, sequenceNumber, timestamp: 0, payloadType: 96, mimeType: 'video/vp8', marker, payload: new Uint8Array([starts ? 0x10 : 0x00, byte]) };
}

function video(packets: FirstTapPacket[]): TappedProducer {
  return { producer: undefined as never, kind: 'video', peerId: 'p', packets, receivedBeforeTap: Promise.resolve(0) };
}

const bytesOf = (tapped: TappedProducer) => tappedFrameCount(tapped).frames.map((f) => [...f.bytes]);

describe('the frames a spy puts together from the packets it got', () => {
  it('a lost packet sent again later takes its place in the frame; duplicates count once', () => {
    const tapped = video([
      vp8(1, 10, 0xa1, { starts: true }),
      vp8(1, 12, 0xa3, { marker: true }),
      vp8(1, 13, 0xb1, { starts: true, marker: true }),
      vp8(1, 11, 0xa2),
      vp8(1, 11, 0xa2),
    ]);
    expect(bytesOf(tapped)).toEqual([[0xa1, 0xa2, 0xa3], [0xb1]]);
    expect(tappedFrameCount(tapped).incomplete).toBe(0);
  });

  it('a frame whose hole was never filled is left out and counted; the next frame stands', () => {
    const tapped = video([vp8(1, 10, 0xa1, { starts: true }), vp8(1, 12, 0xa3, { marker: true }), vp8(1, 13, 0xb1, { starts: true, marker: true })]);
    expect(bytesOf(tapped)).toEqual([[0xb1]]);
    expect(tappedFrameCount(tapped).incomplete).toBe(1);
  });

  it('follows the sequence number across its wrap, and keeps simulcast streams apart', () => {
    const tapped = video([
      vp8(1, 65534, 0xa1, { starts: true }),
      vp8(2, 7, 0xc1, { starts: true }),
      vp8(1, 0, 0xa3, { marker: true }),
      vp8(2, 8, 0xc2, { marker: true }),
      vp8(1, 65535, 0xa2),
    ]);
    expect(bytesOf(tapped)).toEqual([[0xa1, 0xa2, 0xa3], [0xc1, 0xc2]]);
  });
});
