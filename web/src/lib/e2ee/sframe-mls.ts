import { SFrameError } from './sframe-error.js';
import { assertUint64 } from './sframe-header.js';
import { AEAD_NK } from './sframe-keys.js';

/**
 * SFrame keys from an MLS group, as RFC 9605 §5.2 (the published RFC) has it:
 *
 *   base_key = MLS-Exporter("SFrame 1.0 Base Key", "", AEAD.Nk)
 *   KID      = (context << (S + E)) + (sender_index << E) + (epoch % (1 << E))
 *
 * One base key per epoch, shared by the whole group. Senders are told apart
 * by their KID alone, which §4.4.2 mixes into every sframe_key and
 * sframe_salt, so each member still encrypts with a key and salt of its own.
 * There is no further per-sender HKDF step: the `sframe_epoch_secret` and
 * `HKDF-Expand(..., encode_big_endian(index, ...))` of earlier drafts are not
 * in RFC 9605, and adding one would not interoperate with it.
 *
 * Use: on each new epoch, export the base key with the label below (empty
 * context, AEAD.Nk = 16 bytes), then
 *   context.addSendKey(mlsKid(ownIndex, epoch), baseKey)
 *   context.addReceiveKey(mlsKid(memberIndex, epoch), baseKey)   // each other member
 *
 * E (epochBits) bounds how many epochs can be live at once (2^E); a receive
 * key for a newer epoch with the same low bits replaces the older one, which
 * is what §5.2 requires of receivers.
 */
export const SFRAME_MLS_EXPORTER_LABEL = 'SFrame 1.0 Base Key';
/** The exporter context is the empty string. */
export const SFRAME_MLS_EXPORTER_CONTEXT_LENGTH = 0;
/** AEAD.Nk of AES_128_GCM_SHA256_128. */
export const SFRAME_MLS_BASE_KEY_LENGTH = AEAD_NK;
export const DEFAULT_EPOCH_BITS = 4;

/**
 * For a member that encrypts in more than one SFrameContext at a time (say
 * audio and video in separate workers): each context needs its own KID, or
 * two counters would walk the same nonces. `context` tells them apart;
 * `senderBits` (S) must be the same for every member of the group, large
 * enough that every member index is below 2^S.
 */
export interface MlsKidContext {
  readonly context: number;
  readonly senderBits: number;
}

export interface ParsedMlsKid {
  readonly senderIndex: number;
  /** The epoch modulo 2^E, all the KID carries of it. */
  readonly epochLowBits: number;
  /** 0 unless parsed with `senderBits`. */
  readonly context: number;
}

export function mlsKid(
  senderIndex: number,
  epoch: bigint | number,
  epochBits: number = DEFAULT_EPOCH_BITS,
  kidContext?: MlsKidContext,
): bigint {
  const e = BigInt(checkBits(epochBits, 'epochBits', 0, 63));
  const index = BigInt(checkIndex(senderIndex, 'sender index'));
  const epochValue = typeof epoch === 'bigint' ? epoch : BigInt(checkIndex(epoch, 'epoch'));
  assertUint64(epochValue, 'epoch');
  const epochLow = epochValue & ((1n << e) - 1n);

  let kid: bigint;
  if (kidContext === undefined) {
    kid = (index << e) | epochLow;
  } else {
    const s = BigInt(checkBits(kidContext.senderBits, 'senderBits', 1, 64 - Number(e)));
    if (index >= 1n << s) throw invalid(`sender index does not fit in ${s} bits`);
    kid = (BigInt(checkIndex(kidContext.context, 'context')) << (s + e)) | (index << e) | epochLow;
  }
  assertUint64(kid, 'KID');
  return kid;
}

/**
 * Splits a KID made by `mlsKid`. Without `senderBits` the KID is taken to
 * carry context 0, and everything above the epoch bits is the sender index.
 */
export function parseMlsKid(kid: bigint, epochBits: number = DEFAULT_EPOCH_BITS, senderBits?: number): ParsedMlsKid {
  assertUint64(kid, 'KID');
  const e = BigInt(checkBits(epochBits, 'epochBits', 0, 63));
  const epochLowBits = Number(kid & ((1n << e) - 1n));
  const above = kid >> e;
  if (senderBits === undefined) {
    return { senderIndex: toSafeNumber(above, 'sender index'), epochLowBits, context: 0 };
  }
  const s = BigInt(checkBits(senderBits, 'senderBits', 1, 64 - Number(e)));
  return {
    senderIndex: toSafeNumber(above & ((1n << s) - 1n), 'sender index'),
    epochLowBits,
    context: toSafeNumber(above >> s, 'context'),
  };
}

function checkBits(bits: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(bits) || bits < min || bits > max) throw invalid(`${what} must be an integer in ${min}-${max}`);
  return bits;
}

function checkIndex(value: number, what: string): number {
  if (!Number.isSafeInteger(value) || value < 0) throw invalid(`${what} must be a non-negative integer`);
  return value;
}

function toSafeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid(`${what} in this KID is too large`);
  return Number(value);
}

function invalid(message: string): SFrameError {
  return new SFrameError('invalid-argument', message);
}
