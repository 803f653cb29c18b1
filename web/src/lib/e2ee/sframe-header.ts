import { SFrameError } from './sframe-error.js';

/**
 * The SFrame header of RFC 9605 §4.3: a config byte, then the KID, then the CTR.
 *
 *   config byte:  X(1) K(3) Y(1) C(3)
 *
 * X = 0: K is the KID itself (0-7).  X = 1: K + 1 is the KID's length in bytes.
 * Y = 0: C is the CTR itself (0-7).  Y = 1: C + 1 is the CTR's length in bytes.
 * Lengths run 1-8 bytes, values are big-endian and MUST use the fewest bytes.
 */

/** Both KID and CTR are unsigned 64-bit values: at most 8 bytes on the wire. */
export const UINT64_MAX = (1n << 64n) - 1n;

/** The largest header: config byte, 8-byte KID, 8-byte CTR. */
export const SFRAME_HEADER_MAX_LENGTH = 17;

export interface SFrameHeader {
  readonly kid: bigint;
  readonly ctr: bigint;
  /** Bytes the header occupies at the start of the buffer it was read from. */
  readonly length: number;
}

export function encodeSFrameHeader(kid: bigint, ctr: bigint): Uint8Array<ArrayBuffer> {
  assertUint64(kid, 'KID');
  assertUint64(ctr, 'CTR');
  const kidLength = kid < 8n ? 0 : byteLength(kid);
  const ctrLength = ctr < 8n ? 0 : byteLength(ctr);
  const header = new Uint8Array(1 + kidLength + ctrLength);
  const k = kidLength === 0 ? Number(kid) : 0x08 | (kidLength - 1);
  const c = ctrLength === 0 ? Number(ctr) : 0x08 | (ctrLength - 1);
  header[0] = (k << 4) | c;
  writeBigEndian(header, 1, kidLength, kid);
  writeBigEndian(header, 1 + kidLength, ctrLength, ctr);
  return header;
}

/**
 * Reads the header at the start of `bytes` (which may go on with ciphertext).
 * Every length is checked before it is read, so a truncated or hostile header
 * throws `malformed-header` instead of reading past the buffer. Non-minimal
 * encodings are refused too: §4.3 says MUST, and accepting only one form per
 * (KID, CTR) leaves no room for two headers meaning the same thing.
 */
export function decodeSFrameHeader(bytes: Uint8Array): SFrameHeader {
  const config = bytes[0];
  if (config === undefined) throw malformed('empty header');
  const kidField = config >> 4; // X and K
  const ctrField = config & 0x0f; // Y and C
  let offset = 1;

  let kid: bigint;
  if ((kidField & 0x08) === 0) {
    kid = BigInt(kidField);
  } else {
    const length = (kidField & 0x07) + 1;
    kid = readMinimal(bytes, offset, length, 'KID');
    offset += length;
  }

  let ctr: bigint;
  if ((ctrField & 0x08) === 0) {
    ctr = BigInt(ctrField);
  } else {
    const length = (ctrField & 0x07) + 1;
    ctr = readMinimal(bytes, offset, length, 'CTR');
    offset += length;
  }

  return { kid, ctr, length: offset };
}

function readMinimal(bytes: Uint8Array, offset: number, length: number, field: 'KID' | 'CTR'): bigint {
  if (bytes.length < offset + length) throw malformed(`${field} runs past the end of the frame`);
  let value = 0n;
  for (let i = offset; i < offset + length; i++) value = (value << 8n) | BigInt(bytes[i] ?? 0);
  // Values 0-7 belong in the config byte; a leading zero byte means a shorter form existed.
  if (value < 8n || bytes[offset] === 0) throw malformed(`${field} is not minimally encoded`);
  return value;
}

function byteLength(value: bigint): number {
  let length = 1;
  while (value > 0xffn) {
    value >>= 8n;
    length++;
  }
  return length;
}

function writeBigEndian(target: Uint8Array, offset: number, length: number, value: bigint): void {
  for (let i = length - 1; i >= 0; i--) {
    target[offset + i] = Number(value & 0xffn);
    value >>= 8n;
  }
}

export function assertUint64(value: bigint, what: string): void {
  // The type alone does not stop a plain number arriving from untyped code.
  if (typeof value !== 'bigint' || value < 0n || value > UINT64_MAX) {
    throw new SFrameError('invalid-argument', `${what} must be an unsigned 64-bit integer`);
  }
}

function malformed(detail: string): SFrameError {
  return new SFrameError('malformed-header', `malformed SFrame header: ${detail}`);
}
