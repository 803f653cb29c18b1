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
  const header = new Uint8Array(sframeHeaderLength(kid, ctr));
  writeSFrameHeader(header, 0, kid, ctr);
  return header;
}

/** How many bytes the header of (KID, CTR) takes. */
export function sframeHeaderLength(kid: bigint, ctr: bigint): number {
  assertUint64(kid, 'KID');
  assertUint64(ctr, 'CTR');
  return 1 + fieldLength(kid) + fieldLength(ctr);
}

/**
 * Writes the header of (KID, CTR) into `target` at `offset`, where the caller
 * made room for `sframeHeaderLength(kid, ctr)` bytes: a sealed media frame is
 * assembled in one buffer, without a header of its own to copy in.
 */
export function writeSFrameHeader(target: Uint8Array, offset: number, kid: bigint, ctr: bigint): void {
  assertUint64(kid, 'KID');
  assertUint64(ctr, 'CTR');
  const kidLength = fieldLength(kid);
  const ctrLength = fieldLength(ctr);
  const k = kidLength === 0 ? Number(kid) : 0x08 | (kidLength - 1);
  const c = ctrLength === 0 ? Number(ctr) : 0x08 | (ctrLength - 1);
  target[offset] = (k << 4) | c;
  writeBigEndian(target, offset + 1, kidLength, kid);
  writeBigEndian(target, offset + 1 + kidLength, ctrLength, ctr);
}

/** Bytes a KID or CTR takes after the config byte: none for 0-7, else its minimal big-endian length. */
function fieldLength(value: bigint): number {
  return value < 8n ? 0 : byteLength(value);
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
  // Values 0-7 belong in the config byte; a leading zero byte means a shorter form existed.
  if (bytes[offset] === 0) throw malformed(`${field} is not minimally encoded`);
  // Up to 4 bytes (every KID and CTR of a call in practice) in plain numbers: no BigInt per byte.
  const end = offset + length;
  const split = Math.max(offset, end - 4);
  let low = 0;
  for (let i = split; i < end; i++) low = low * 256 + (bytes[i] ?? 0);
  let value = BigInt(low);
  if (split > offset) {
    let high = 0;
    for (let i = offset; i < split; i++) high = high * 256 + (bytes[i] ?? 0);
    value |= BigInt(high) << 32n;
  }
  if (value < 8n) throw malformed(`${field} is not minimally encoded`);
  return value;
}

/** Big-endian bytes of a value up to 2^64 - 1 (at least 1). */
function byteLength(value: bigint): number {
  if (value <= 0xffffffffn) {
    const n = Number(value);
    return n < 0x100 ? 1 : n < 0x10000 ? 2 : n < 0x1000000 ? 3 : 4;
  }
  return 4 + byteLength(value >> 32n);
}

function writeBigEndian(target: Uint8Array, offset: number, length: number, value: bigint): void {
  // The low 4 bytes as a plain number; only a value past 32 bits needs BigInt for the rest.
  let low = value <= 0xffffffffn ? Number(value) : Number(BigInt.asUintN(32, value));
  for (let i = length - 1; i >= Math.max(0, length - 4); i--) {
    target[offset + i] = low & 0xff;
    low >>>= 8;
  }
  if (length > 4) writeBigEndian(target, offset, length - 4, value >> 32n);
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
