import { SFrameError } from './sframe-error.js';
import type { SFrameContext } from './sframe.js';

/**
 * SFrame applied per encoded media frame, with the codec's leading bytes left
 * readable. A protected frame is
 *
 *   clear prefix || SFrame header || ciphertext || tag
 *
 * and the clear prefix is the SFrame `metadata` (RFC 9605 §4.4.3, §9.4), so
 * the AAD is header || prefix: anyone may read the prefix, nobody may alter it.
 *
 * What stays clear, and why:
 *  - VP8 (RFC 6386 §9.1): the 3-byte frame tag; on a key frame also the
 *    7 bytes after it (start code, width, height), so 10 bytes. RTP
 *    depacketizers and SFUs read these to spot key frames and picture size.
 *    A frame is a key frame when bit 0 of byte 0 is 0.
 *  - Opus (RFC 6716 §3.1): the TOC byte (mode, bandwidth, frame count).
 *
 * The prefix carries no length field. The receiver derives the length from
 * the protected frame with the same rule, which works because the rule only
 * looks at bytes that stay clear (VP8: byte 0). Changing those bytes moves
 * where the header is read or alters the AAD, so the frame fails to decrypt.
 */
export type MediaCodec = 'vp8' | 'opus';

export interface DecryptedMediaFrame {
  readonly kid: bigint;
  readonly ctr: bigint;
  /** The frame as the encoder produced it: clear prefix || decrypted rest. */
  readonly frame: Uint8Array<ArrayBuffer>;
}

const VP8_KEY_FRAME_PREFIX = 10;
const VP8_DELTA_FRAME_PREFIX = 3;
const OPUS_PREFIX = 1;

/** How many leading bytes of `frame` (plain or protected) stay in the clear. */
export function clearPrefixLength(codec: MediaCodec, frame: Uint8Array): number {
  switch (codec) {
    case 'vp8': {
      const first = frame[0];
      if (first === undefined) throw new SFrameError('malformed-frame', 'empty VP8 frame');
      return (first & 0x01) === 0 ? VP8_KEY_FRAME_PREFIX : VP8_DELTA_FRAME_PREFIX;
    }
    case 'opus':
      return OPUS_PREFIX;
    default:
      // Reachable only from untyped callers.
      throw new SFrameError('invalid-argument', 'unsupported codec');
  }
}

/** Seals a frame into clear prefix || SFrame header || ciphertext || tag, one buffer. */
export async function encryptFrame(
  context: SFrameContext,
  kid: bigint,
  codec: MediaCodec,
  frame: Uint8Array,
): Promise<Uint8Array<ArrayBuffer>> {
  const prefixLength = clearPrefixLength(codec, frame);
  // A frame shorter than its prefix is not a valid frame of the codec; clipping the
  // prefix instead would make the receiver, which sees a longer frame, read it differently.
  if (frame.length < prefixLength) {
    throw new SFrameError('malformed-frame', `${codec} frame is shorter than its ${prefixLength}-byte clear prefix`);
  }
  return context.encrypt(kid, frame.subarray(prefixLength), frame.subarray(0, prefixLength), { metadataInFront: true });
}

export async function decryptFrame(
  context: SFrameContext,
  codec: MediaCodec,
  protectedFrame: Uint8Array,
): Promise<DecryptedMediaFrame> {
  const prefixLength = clearPrefixLength(codec, protectedFrame);
  if (protectedFrame.length <= prefixLength) {
    throw new SFrameError('malformed-frame', `${codec} frame has nothing after its clear prefix`);
  }
  const prefix = protectedFrame.subarray(0, prefixLength);
  const { kid, ctr, plaintext } = await context.decrypt(protectedFrame.subarray(prefixLength), prefix, { metadataInFront: true });
  return { kid, ctr, frame: plaintext };
}
