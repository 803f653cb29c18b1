import { describe, expect, it } from 'vitest';
import { clearPrefixLength, decryptFrame, encryptFrame, type MediaCodec } from './media-frame.js';
import { SFrameError, type SFrameErrorCode } from './sframe-error.js';
import { decodeSFrameHeader } from './sframe-header.js';
import { AEAD_NT } from './sframe-keys.js';
import { SFrameContext } from './sframe.js';

const KID = 0x31n;
const BASE_KEY = new Uint8Array(16).fill(0x42);

// VP8 frame tag with bit 0 clear (key frame), then start code 9d 01 2a and 640x480.
const VP8_KEY_FRAME = new Uint8Array([
  0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01, ...Array.from({ length: 60 }, (_, i) => i),
]);
// Bit 0 set: a delta frame, whose clear part is the 3-byte frame tag only.
const VP8_DELTA_FRAME = new Uint8Array([0x31, 0x07, 0x00, ...Array.from({ length: 40 }, (_, i) => 200 - i)]);
// TOC byte (SILK wideband 20 ms, mono, one frame), then the payload.
const OPUS_FRAME = new Uint8Array([0x48, ...Array.from({ length: 50 }, (_, i) => i * 3)]);

async function pair(): Promise<{ sender: SFrameContext; receiver: SFrameContext }> {
  const sender = new SFrameContext();
  const receiver = new SFrameContext();
  await sender.addSendKey(KID, BASE_KEY);
  await receiver.addReceiveKey(KID, BASE_KEY);
  return { sender, receiver };
}

async function expectSFrameError(action: Promise<unknown>, codes: SFrameErrorCode[]): Promise<void> {
  const error: unknown = await action.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SFrameError);
  expect(codes).toContain((error as SFrameError).code);
}

const cases: Array<{ name: string; codec: MediaCodec; frame: Uint8Array; prefix: number }> = [
  { name: 'VP8 key frame', codec: 'vp8', frame: VP8_KEY_FRAME, prefix: 10 },
  { name: 'VP8 delta frame', codec: 'vp8', frame: VP8_DELTA_FRAME, prefix: 3 },
  { name: 'Opus frame', codec: 'opus', frame: OPUS_FRAME, prefix: 1 },
];

describe('clearPrefixLength', () => {
  it('keeps 10 bytes of a VP8 key frame, 3 of a delta frame, 1 of Opus', () => {
    for (const c of cases) expect(clearPrefixLength(c.codec, c.frame), c.name).toBe(c.prefix);
  });

  it('reads the VP8 key frame flag from bit 0 of byte 0 only', () => {
    for (let first = 0; first < 256; first++) {
      expect(clearPrefixLength('vp8', new Uint8Array([first]))).toBe(first & 1 ? 3 : 10);
    }
  });

  it('refuses an empty VP8 frame', () => {
    expect(() => clearPrefixLength('vp8', new Uint8Array(0))).toThrow(SFrameError);
  });
});

describe('encryptFrame / decryptFrame', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it('leaves the prefix in the clear, then an SFrame header, and hides the rest', async () => {
        const { sender } = await pair();
        const protectedFrame = await encryptFrame(sender, KID, c.codec, c.frame);
        expect(protectedFrame.subarray(0, c.prefix)).toEqual(c.frame.subarray(0, c.prefix));
        const header = decodeSFrameHeader(protectedFrame.subarray(c.prefix));
        expect(header.kid).toBe(KID);
        expect(header.ctr).toBe(0n);
        expect(protectedFrame.length).toBe(c.frame.length + header.length + AEAD_NT);
        const body = protectedFrame.subarray(c.prefix + header.length, protectedFrame.length - AEAD_NT);
        expect(body).not.toEqual(c.frame.subarray(c.prefix));
        expect(clearPrefixLength(c.codec, protectedFrame)).toBe(c.prefix);
      });

      it('round-trips', async () => {
        const { sender, receiver } = await pair();
        for (let i = 0n; i < 3n; i++) {
          const opened = await decryptFrame(receiver, c.codec, await encryptFrame(sender, KID, c.codec, c.frame));
          expect(opened).toEqual({ kid: KID, ctr: i, frame: new Uint8Array(c.frame) });
        }
      });

      it('authenticates the clear prefix', async () => {
        const { sender, receiver } = await pair();
        const protectedFrame = await encryptFrame(sender, KID, c.codec, c.frame);
        for (let i = 0; i < c.prefix; i++) {
          const tampered = new Uint8Array(protectedFrame);
          // Bit 1, so a VP8 frame keeps its key/delta flag and the header stays where it was.
          tampered[i] = (tampered[i] ?? 0) ^ 0x02;
          await expectSFrameError(decryptFrame(receiver, c.codec, tampered), ['authentication-failed']);
        }
      });

      it('round-trips a frame that is nothing but its prefix', async () => {
        const { sender, receiver } = await pair();
        const bare = c.frame.subarray(0, c.prefix);
        const opened = await decryptFrame(receiver, c.codec, await encryptFrame(sender, KID, c.codec, bare));
        expect(opened.frame).toEqual(new Uint8Array(bare));
      });
    });
  }

  it('refuses a frame whose key/delta flag was flipped on the way', async () => {
    const { sender, receiver } = await pair();
    for (const frame of [VP8_KEY_FRAME, VP8_DELTA_FRAME]) {
      const tampered = await encryptFrame(sender, KID, 'vp8', frame);
      tampered[0] = (tampered[0] ?? 0) ^ 0x01;
      await expectSFrameError(decryptFrame(receiver, 'vp8', tampered), [
        'authentication-failed',
        'malformed-header',
        'malformed-frame',
        'unknown-kid',
      ]);
    }
  });

  it('refuses frames shorter than their clear prefix', async () => {
    const { sender } = await pair();
    await expectSFrameError(encryptFrame(sender, KID, 'vp8', VP8_KEY_FRAME.subarray(0, 9)), ['malformed-frame']);
    await expectSFrameError(encryptFrame(sender, KID, 'vp8', VP8_DELTA_FRAME.subarray(0, 2)), ['malformed-frame']);
    await expectSFrameError(encryptFrame(sender, KID, 'opus', new Uint8Array(0)), ['malformed-frame']);
  });

  it('refuses protected frames with nothing after the prefix', async () => {
    const { receiver } = await pair();
    await expectSFrameError(decryptFrame(receiver, 'opus', OPUS_FRAME.subarray(0, 1)), ['malformed-frame']);
    await expectSFrameError(decryptFrame(receiver, 'vp8', VP8_KEY_FRAME.subarray(0, 10)), ['malformed-frame']);
  });
});
