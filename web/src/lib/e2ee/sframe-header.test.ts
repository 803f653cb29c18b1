import { describe, expect, it } from 'vitest';
import { headerVectors } from './fixtures/rfc9605-vectors.js';
import { SFrameError, type SFrameErrorCode } from './sframe-error.js';
import { decodeSFrameHeader, encodeSFrameHeader, SFRAME_HEADER_MAX_LENGTH, sframeHeaderLength, UINT64_MAX, writeSFrameHeader } from './sframe-header.js';

function expectSFrameError(action: () => unknown, code: SFrameErrorCode): void {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(SFrameError);
    expect((error as SFrameError).code).toBe(code);
    return;
  }
  expect.fail(`expected SFrameError ${code}`);
}

describe('SFrame header (RFC 9605 §4.3)', () => {
  it('has all 289 published header vectors', () => {
    expect(headerVectors).toHaveLength(17 * 17);
  });

  it('encodes every published vector exactly', () => {
    for (const v of headerVectors) {
      expect(encodeSFrameHeader(v.kid, v.ctr), `KID ${v.kid} CTR ${v.ctr}`).toEqual(v.encoded);
    }
  });

  it('writes every published vector in place, at an offset, touching nothing around it', () => {
    for (const v of headerVectors) {
      expect(sframeHeaderLength(v.kid, v.ctr)).toBe(v.encoded.length);
      const buffer = new Uint8Array(3 + v.encoded.length + 2).fill(0xee);
      writeSFrameHeader(buffer, 3, v.kid, v.ctr);
      expect(buffer.subarray(3, 3 + v.encoded.length), `KID ${v.kid} CTR ${v.ctr}`).toEqual(v.encoded);
      expect([...buffer.subarray(0, 3), ...buffer.subarray(3 + v.encoded.length)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee]);
    }
  });

  it('decodes every published vector, also when ciphertext follows', () => {
    for (const v of headerVectors) {
      expect(decodeSFrameHeader(v.encoded)).toEqual({ kid: v.kid, ctr: v.ctr, length: v.encoded.length });
      const withBody = new Uint8Array([...v.encoded, 0xde, 0xad, 0xbe, 0xef]);
      expect(decodeSFrameHeader(withBody)).toEqual({ kid: v.kid, ctr: v.ctr, length: v.encoded.length });
    }
  });

  it('keeps KID and CTR values 0-7 in the config byte', () => {
    for (let kid = 0n; kid < 8n; kid++) {
      for (let ctr = 0n; ctr < 8n; ctr++) {
        expect(encodeSFrameHeader(kid, ctr)).toEqual(new Uint8Array([Number((kid << 4n) | ctr)]));
      }
    }
    expect(encodeSFrameHeader(8n, 8n)).toEqual(new Uint8Array([0x88, 0x08, 0x08]));
  });

  it('refuses values outside 64 bits when encoding', () => {
    expectSFrameError(() => encodeSFrameHeader(-1n, 0n), 'invalid-argument');
    expectSFrameError(() => encodeSFrameHeader(0n, UINT64_MAX + 1n), 'invalid-argument');
    expectSFrameError(() => encodeSFrameHeader(1 as unknown as bigint, 0n), 'invalid-argument');
  });

  it('throws malformed-header on an empty buffer', () => {
    expectSFrameError(() => decodeSFrameHeader(new Uint8Array(0)), 'malformed-header');
  });

  it('throws malformed-header on every truncation of every published vector', () => {
    for (const v of headerVectors) {
      for (let length = 0; length < v.encoded.length; length++) {
        expectSFrameError(() => decodeSFrameHeader(v.encoded.subarray(0, length)), 'malformed-header');
      }
    }
  });

  it('does not read past the view, even when the underlying buffer goes on', () => {
    const backing = new Uint8Array([0x99, 0x01, 0x23, 0x45, 0x67]);
    expectSFrameError(() => decodeSFrameHeader(backing.subarray(0, 4)), 'malformed-header');
    expect(decodeSFrameHeader(backing.subarray(0, 5))).toEqual({ kid: 0x123n, ctr: 0x4567n, length: 5 });
  });

  it('refuses encodings that are not minimal', () => {
    const nonMinimal = [
      [0x80, 0x05], // KID 5 belongs in the config byte
      [0x08, 0x07], // CTR 7 likewise
      [0x90, 0x00, 0xff], // KID 255 in two bytes
      [0x09, 0x00, 0x10], // CTR 16 in two bytes
      [0xf0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08], // KID 8 in eight bytes
      [0x0c, 0x00, 0xff, 0xff, 0xff, 0xff], // CTR 2^32 - 1 in five bytes
      [0x0e, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00], // CTR 2^40 in seven bytes
    ];
    for (const bytes of nonMinimal) {
      expectSFrameError(() => decodeSFrameHeader(new Uint8Array(bytes)), 'malformed-header');
    }
  });

  it('either decodes to the canonical header or throws the typed error, for every config byte', () => {
    const tail = [0x00, 0x01, 0x7f, 0x80, 0xff];
    for (let config = 0; config < 256; config++) {
      for (const filler of tail) {
        for (let length = 1; length <= SFRAME_HEADER_MAX_LENGTH; length++) {
          const bytes = new Uint8Array(length).fill(filler);
          bytes[0] = config;
          let header;
          try {
            header = decodeSFrameHeader(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(SFrameError);
            expect((error as SFrameError).code).toBe('malformed-header');
            continue;
          }
          expect(header.length).toBeLessThanOrEqual(length);
          expect(encodeSFrameHeader(header.kid, header.ctr)).toEqual(bytes.subarray(0, header.length));
        }
      }
    }
  });
});
