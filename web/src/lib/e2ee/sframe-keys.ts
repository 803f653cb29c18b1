import { toBufferSource } from './buffer-source.js';
import { SFrameError } from './sframe-error.js';
import { assertUint64 } from './sframe-header.js';

/**
 * The key schedule of RFC 9605 §4.4.2 for the one cipher suite we use,
 * AES_128_GCM_SHA256_128 (§4.5, value 0x0004 in §8.1):
 *
 *   sframe_secret = HKDF-Extract("", base_key)
 *   sframe_key    = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret key "  + KID + cipher_suite, Nk)
 *   sframe_salt   = HKDF-Expand(sframe_secret, "SFrame 1.0 Secret salt " + KID + cipher_suite, Nn)
 *
 * with KID as 8 bytes big-endian (not the compact header form), cipher_suite
 * as 2 bytes big-endian, and HKDF over SHA-256. The labels match the
 * `sframe_key_label` / `sframe_salt_label` of the published test vectors.
 */
export const CIPHER_SUITE_AES_128_GCM_SHA256_128 = 0x0004;
/** AEAD key size in bytes. */
export const AEAD_NK = 16;
/** AEAD nonce size in bytes. */
export const AEAD_NN = 12;
/** AEAD tag size in bytes. */
export const AEAD_NT = 16;

/**
 * Our floor, not the RFC's: HKDF takes any length, but a base key shorter than
 * the AEAD key it feeds is more likely a placeholder than a secret.
 */
export const MIN_BASE_KEY_LENGTH = AEAD_NK;

const KEY_LABEL = 'SFrame 1.0 Secret key ';
const SALT_LABEL = 'SFrame 1.0 Secret salt ';

export interface SFrameKeyMaterial {
  /** AES-128-GCM key, non-extractable, usable for one direction only (§4.4.1). */
  readonly key: CryptoKey;
  readonly salt: Uint8Array<ArrayBuffer>;
}

export function sframeKeyLabel(kid: bigint): Uint8Array<ArrayBuffer> {
  return label(KEY_LABEL, kid);
}

export function sframeSaltLabel(kid: bigint): Uint8Array<ArrayBuffer> {
  return label(SALT_LABEL, kid);
}

/**
 * Derives the AEAD key and salt for one KID. WebCrypto's HKDF is Extract then
 * Expand; an empty salt equals the RFC's `HKDF-Extract("", ...)`, since HMAC
 * pads either to the same all-zero block. Deriving the AES key inside
 * WebCrypto keeps its bytes out of JavaScript memory altogether.
 */
export async function deriveKeyMaterial(
  kid: bigint,
  baseKey: Uint8Array,
  usage: 'encrypt' | 'decrypt',
): Promise<SFrameKeyMaterial> {
  assertUint64(kid, 'KID');
  if (baseKey.length < MIN_BASE_KEY_LENGTH) {
    throw new SFrameError('invalid-argument', `base key must be at least ${MIN_BASE_KEY_LENGTH} bytes`, kid);
  }
  const secret = await crypto.subtle.importKey('raw', toBufferSource(baseKey), 'HKDF', false, [
    'deriveKey',
    'deriveBits',
  ]);
  const hkdf = (info: Uint8Array<ArrayBuffer>): HkdfParams => ({
    name: 'HKDF',
    hash: 'SHA-256',
    salt: new Uint8Array(0),
    info,
  });
  const [key, salt] = await Promise.all([
    crypto.subtle.deriveKey(hkdf(sframeKeyLabel(kid)), secret, { name: 'AES-GCM', length: AEAD_NK * 8 }, false, [
      usage,
    ]),
    crypto.subtle.deriveBits(hkdf(sframeSaltLabel(kid)), secret, AEAD_NN * 8),
  ]);
  return { key, salt: new Uint8Array(salt) };
}

/** §4.4.3: the CTR, big-endian in Nn bytes, XORed into the salt. */
export function frameNonce(salt: Uint8Array, ctr: bigint): Uint8Array<ArrayBuffer> {
  assertUint64(ctr, 'CTR');
  if (salt.length !== AEAD_NN) throw new SFrameError('invalid-argument', `salt must be ${AEAD_NN} bytes`);
  const nonce = new Uint8Array(salt);
  // A 64-bit CTR fills the last 8 of the 12 nonce bytes, as two 32-bit halves in plain numbers
  // (once per frame: no DataView, no BigInt arithmetic for a counter below 2^32); the first 4 keep the salt.
  const small = ctr <= 0xffffffffn;
  xorUint32(nonce, AEAD_NN - 8, small ? 0 : Number(ctr >> 32n));
  xorUint32(nonce, AEAD_NN - 4, small ? Number(ctr) : Number(BigInt.asUintN(32, ctr)));
  return nonce;
}

function xorUint32(target: Uint8Array, offset: number, value: number): void {
  for (let i = 3; i >= 0; i--) {
    target[offset + i] = (target[offset + i] ?? 0) ^ (value & 0xff);
    value >>>= 8;
  }
}

function label(prefix: string, kid: bigint): Uint8Array<ArrayBuffer> {
  assertUint64(kid, 'KID');
  const text = new TextEncoder().encode(prefix);
  const out = new Uint8Array(text.length + 8 + 2);
  out.set(text, 0);
  const view = new DataView(out.buffer);
  view.setBigUint64(text.length, kid);
  view.setUint16(text.length + 8, CIPHER_SUITE_AES_128_GCM_SHA256_128);
  return out;
}
