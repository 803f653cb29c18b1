import { toBufferSource } from './buffer-source.js';
import { SFrameError } from './sframe-error.js';
import { assertUint64, decodeSFrameHeader, sframeHeaderLength, UINT64_MAX, writeSFrameHeader } from './sframe-header.js';
import { AEAD_NT, deriveKeyMaterial, frameNonce, type SFrameKeyMaterial } from './sframe-keys.js';

/**
 * SFrame encryption and decryption (RFC 9605 §4.4.3, §4.4.4) with the
 * AES_128_GCM_SHA256_128 suite. An SFrame ciphertext is
 *
 *   header || AEAD.Encrypt(sframe_key, salt XOR CTR, header || metadata, plaintext)
 *
 * where the AEAD output carries its 16-byte tag at the end.
 */

export interface SFrameDecrypted {
  readonly kid: bigint;
  readonly ctr: bigint;
  readonly plaintext: Uint8Array<ArrayBuffer>;
}

export interface SendKeyOptions {
  /**
   * The first CTR to use. Only for resuming a context whose last CTR was
   * stored (§9.1); a fresh key starts at 0, which keeps headers short.
   */
  readonly nextCounter?: bigint;
}

interface SendKey extends SFrameKeyMaterial {
  readonly role: 'send';
  /** Up to 2^64: one past the last CTR, once every value has been used. */
  nextCounter: bigint;
}

interface ReceiveKey extends SFrameKeyMaterial {
  readonly role: 'receive';
}

/** Where the metadata goes besides the AAD. */
export interface FrameLayout {
  /** Also in front of the SFrame ciphertext (sealing) or of the plaintext (opening), in the same buffer. */
  readonly metadataInFront?: boolean;
}

const NO_METADATA = new Uint8Array(0);

/**
 * The keys of one SFrame session, by KID (the "SFrame context" of RFC 9605
 * Appendix A). Each KID is either a send key, with its own CTR, or a receive
 * key, never both (§4.4.1).
 *
 * Nonce uniqueness (§4.3, §9.1) rests on each (base key, KID, CTR) being
 * encrypted once. This context guarantees it within itself: CTRs only go up,
 * never wrap, and a base key already used for sending under a KID is refused
 * if offered again for that KID. Across contexts (another worker, a reload) it
 * is the caller's job, for instance by giving each context its own KIDs.
 */
export class SFrameContext {
  readonly #keys = new Map<bigint, SendKey | ReceiveKey>();
  /** The newest add per KID still deriving; a later add or a removal supersedes it. */
  readonly #pending = new Map<bigint, symbol>();
  /**
   * Salts of every send key this context has installed. The salt is a
   * function of (base key, KID), so a repeat means the same pair again.
   */
  readonly #usedSendSalts = new Set<string>();

  /**
   * Installs a key to encrypt with under `kid`. Replaces an earlier send key
   * for the KID (its counter starts again, which is safe because the key is
   * new), as happens when an MLS epoch reuses the KID of one 2^E epochs ago.
   */
  async addSendKey(kid: bigint, baseKey: Uint8Array, options: SendKeyOptions = {}): Promise<void> {
    const nextCounter = options.nextCounter ?? 0n;
    assertUint64(nextCounter, 'CTR');
    await this.#install(kid, baseKey, 'send', (material) => {
      const fingerprint = hex(material.salt);
      if (this.#usedSendSalts.has(fingerprint)) {
        throw new SFrameError('key-reuse', 'this base key was already used to send under this KID', kid);
      }
      this.#usedSendSalts.add(fingerprint);
      return { role: 'send', ...material, nextCounter };
    });
  }

  /**
   * Installs a key to decrypt frames carrying `kid`. Replaces an earlier
   * receive key for the KID: §5.2 requires dropping an old epoch once a new
   * one with the same low-order bits arrives.
   */
  async addReceiveKey(kid: bigint, baseKey: Uint8Array): Promise<void> {
    await this.#install(kid, baseKey, 'receive', (material) => ({ role: 'receive', ...material }));
  }

  /** Forgets the KID's key, including one still being added. Returns whether one was installed. */
  removeKey(kid: bigint): boolean {
    this.#pending.delete(kid);
    return this.#keys.delete(kid);
  }

  hasSendKey(kid: bigint): boolean {
    return this.#keys.get(kid)?.role === 'send';
  }

  hasReceiveKey(kid: bigint): boolean {
    return this.#keys.get(kid)?.role === 'receive';
  }

  /**
   * Encrypts under the KID's next CTR. Returns header || ciphertext || tag, or
   * with `metadataInFront` metadata || header || ciphertext || tag: a media
   * frame keeps its clear bytes in front, and is assembled in one buffer.
   */
  async encrypt(
    kid: bigint,
    plaintext: Uint8Array,
    metadata: Uint8Array = NO_METADATA,
    options: FrameLayout = {},
  ): Promise<Uint8Array<ArrayBuffer>> {
    const entry = this.#keys.get(kid);
    if (entry?.role !== 'send') throw new SFrameError('unknown-kid', 'no send key for this KID', kid);
    const ctr = entry.nextCounter;
    if (ctr > UINT64_MAX) throw new SFrameError('counter-exhausted', 'the counter of this KID is used up', kid);
    // Taken before the first await: concurrent calls must never share a CTR.
    // A CTR lost to a failed encryption is harmless; a repeated one is not.
    entry.nextCounter = ctr + 1n;

    const headerLength = sframeHeaderLength(kid, ctr);
    const aad = new Uint8Array(headerLength + metadata.length);
    writeSFrameHeader(aad, 0, kid, ctr);
    aad.set(metadata, headerLength);
    const ciphertext = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: frameNonce(entry.salt, ctr), additionalData: aad, tagLength: AEAD_NT * 8 },
      entry.key,
      toBufferSource(plaintext),
    );
    // The header and metadata come from our own copy (the AAD), not from the caller's buffer after the await.
    const lead = options.metadataInFront ? metadata.length : 0;
    const out = new Uint8Array(lead + headerLength + ciphertext.byteLength);
    if (lead > 0) out.set(aad.subarray(headerLength), 0);
    out.set(aad.subarray(0, headerLength), lead);
    out.set(new Uint8Array(ciphertext), lead + headerLength);
    return out;
  }

  /**
   * Decrypts an SFrame ciphertext with the metadata the sender bound to it.
   * With `metadataInFront` the plaintext returned is metadata || plaintext.
   * Throws `malformed-header`, `malformed-frame`, `unknown-kid` (the frame may
   * be kept for when the key arrives) or `authentication-failed`.
   */
  async decrypt(frame: Uint8Array, metadata: Uint8Array = NO_METADATA, options: FrameLayout = {}): Promise<SFrameDecrypted> {
    const { kid, ctr, length } = decodeSFrameHeader(frame);
    const entry = this.#keys.get(kid);
    if (entry?.role !== 'receive') throw new SFrameError('unknown-kid', 'no receive key for this KID', kid);
    if (frame.length - length < AEAD_NT) {
      throw new SFrameError('malformed-frame', 'ciphertext is shorter than its authentication tag', kid);
    }

    const aad = new Uint8Array(length + metadata.length);
    aad.set(frame.subarray(0, length), 0);
    aad.set(metadata, length);
    let opened: ArrayBuffer;
    try {
      opened = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: frameNonce(entry.salt, ctr), additionalData: aad, tagLength: AEAD_NT * 8 },
        entry.key,
        toBufferSource(frame.subarray(length)),
      );
    } catch {
      throw new SFrameError('authentication-failed', 'frame failed authentication', kid);
    }
    if (!options.metadataInFront) return { kid, ctr, plaintext: new Uint8Array(opened) };
    const plaintext = new Uint8Array(metadata.length + opened.byteLength);
    plaintext.set(aad.subarray(length), 0);
    plaintext.set(new Uint8Array(opened), metadata.length);
    return { kid, ctr, plaintext };
  }

  async #install(
    kid: bigint,
    baseKey: Uint8Array,
    role: 'send' | 'receive',
    makeEntry: (material: SFrameKeyMaterial) => SendKey | ReceiveKey,
  ): Promise<void> {
    assertUint64(kid, 'KID');
    const ticket = Symbol();
    this.#pending.set(kid, ticket);
    let material: SFrameKeyMaterial;
    try {
      material = await deriveKeyMaterial(kid, baseKey, role === 'send' ? 'encrypt' : 'decrypt');
    } catch (error) {
      if (this.#pending.get(kid) === ticket) this.#pending.delete(kid);
      throw error;
    }
    // A newer add or a removeKey took the ticket while this one derived; the later call wins.
    if (this.#pending.get(kid) !== ticket) return;
    this.#pending.delete(kid);
    const existing = this.#keys.get(kid);
    if (existing !== undefined && existing.role !== role) {
      throw new SFrameError('key-conflict', `this KID already has a ${existing.role} key`, kid);
    }
    this.#keys.set(kid, makeEntry(material));
  }
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += byte.toString(16).padStart(2, '0');
  return out;
}
