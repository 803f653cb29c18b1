import { argon2idAsync } from '@noble/hashes/argon2.js';
import { toBufferSource } from '../e2ee/buffer-source.js';
import { SealError } from './seal-error.js';

/*
 * Sealing with a key a person holds in their head: an export file of their
 * plan, a counselor's private notes. The key comes from the passphrase
 * through argon2id (memory-hard, so each guess at a stolen file costs tens
 * of MiB and real time); the passphrase itself never leaves the page.
 *
 * The sealed form is bytes that carry what is needed to open them again with
 * the passphrase alone (the KDF's cost and salt, the nonce), so the cost can
 * be raised later without losing old files:
 *
 *   "CAS1" | memoryKiB u32 | iterations u8 | parallelism u8 | salt 16 | iv 12 | AES-256-GCM ciphertext+tag
 *
 * The caller names what a sealed piece is for (associated data, e.g. which
 * counselor, client and note): a server that swaps one stored piece for
 * another makes it fail to open instead of showing the wrong text.
 */

export interface KdfCost {
  memoryKiB: number;
  iterations: number;
  parallelism: number;
}

/** OWASP's argon2id floor (19 MiB, 2 passes): about a second on a phone. */
export const DEFAULT_KDF_COST: KdfCost = { memoryKiB: 19_456, iterations: 2, parallelism: 1 };
/**
 * What a sealed piece may ask of this device when opened: a file (or a server)
 * cannot make the page allocate gigabytes or spin for minutes, nor open with
 * a cost below our floor.
 */
const MAX_KDF_COST: KdfCost = { memoryKiB: 262_144, iterations: 10, parallelism: 4 };

const MAGIC = [0x43, 0x41, 0x53, 0x31]; // "CAS1"
const SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 4 + 1 + 1 + SALT_BYTES + IV_BYTES;

/** A key derived from a passphrase, with the salt and cost that made it. */
export interface PassphraseKey {
  readonly key: CryptoKey;
  readonly cost: KdfCost;
  readonly salt: Uint8Array<ArrayBuffer>;
}

function checkCost(cost: KdfCost): void {
  const within = (value: number, min: number, max: number) => Number.isInteger(value) && value >= min && value <= max;
  if (
    !within(cost.memoryKiB, DEFAULT_KDF_COST.memoryKiB, MAX_KDF_COST.memoryKiB) ||
    !within(cost.iterations, DEFAULT_KDF_COST.iterations, MAX_KDF_COST.iterations) ||
    !within(cost.parallelism, 1, MAX_KDF_COST.parallelism)
  ) {
    throw new SealError('unsupported', 'the passphrase cost is outside what this page accepts');
  }
}

/**
 * Derives the key for `passphrase` (Unicode-normalised, so the same words typed
 * on another keyboard give the same key). A new salt unless one is given.
 */
export async function derivePassphraseKey(
  passphrase: string,
  options: { salt?: Uint8Array; cost?: KdfCost; onProgress?: (fraction: number) => void } = {},
): Promise<PassphraseKey> {
  const cost = options.cost ?? DEFAULT_KDF_COST;
  checkCost(cost);
  const salt = new Uint8Array(options.salt ?? crypto.getRandomValues(new Uint8Array(SALT_BYTES)));
  if (salt.length !== SALT_BYTES) throw new SealError('malformed', 'the salt has the wrong length');
  const raw = await argon2idAsync(new TextEncoder().encode(passphrase.normalize('NFC')), salt, {
    m: cost.memoryKiB,
    t: cost.iterations,
    p: cost.parallelism,
    dkLen: 32,
    maxmem: (MAX_KDF_COST.memoryKiB + 1024) * 1024,
    // Yield to the page every ~10 ms so a spinner keeps turning.
    asyncTick: 10,
    onProgress: options.onProgress,
  });
  try {
    const key = await crypto.subtle.importKey('raw', toBufferSource(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
    return { key, cost, salt };
  } finally {
    raw.fill(0);
  }
}

/** Seals `plaintext` under a key already derived (many notes under one unlock). */
export async function sealWithKey(key: PassphraseKey, plaintext: Uint8Array, associatedData: string): Promise<Uint8Array<ArrayBuffer>> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(associatedData) },
      key.key,
      toBufferSource(plaintext),
    ),
  );
  const sealed = new Uint8Array(HEADER_BYTES + ciphertext.length);
  const view = new DataView(sealed.buffer);
  sealed.set(MAGIC, 0);
  view.setUint32(4, key.cost.memoryKiB);
  view.setUint8(8, key.cost.iterations);
  view.setUint8(9, key.cost.parallelism);
  sealed.set(key.salt, 10);
  sealed.set(iv, 10 + SALT_BYTES);
  sealed.set(ciphertext, HEADER_BYTES);
  return sealed;
}

interface SealedParts {
  cost: KdfCost;
  salt: Uint8Array<ArrayBuffer>;
  iv: Uint8Array<ArrayBuffer>;
  ciphertext: Uint8Array<ArrayBuffer>;
}

function parseSealed(sealed: Uint8Array): SealedParts {
  if (sealed.length < HEADER_BYTES + TAG_BYTES || MAGIC.some((byte, i) => sealed[i] !== byte)) {
    throw new SealError('malformed', 'this is not a sealed CARE ASN piece');
  }
  const bytes = new Uint8Array(sealed);
  const view = new DataView(bytes.buffer);
  const cost = { memoryKiB: view.getUint32(4), iterations: view.getUint8(8), parallelism: view.getUint8(9) };
  checkCost(cost);
  return {
    cost,
    salt: bytes.slice(10, 10 + SALT_BYTES),
    iv: bytes.slice(10 + SALT_BYTES, HEADER_BYTES),
    ciphertext: bytes.slice(HEADER_BYTES),
  };
}

/** True when `sealed` was made under this key's salt and cost (else a different passphrase key is needed). */
export function sealedUnder(key: PassphraseKey, sealed: Uint8Array): boolean {
  const parts = parseSealed(sealed);
  return (
    parts.cost.memoryKiB === key.cost.memoryKiB &&
    parts.cost.iterations === key.cost.iterations &&
    parts.cost.parallelism === key.cost.parallelism &&
    parts.salt.every((byte, i) => byte === key.salt[i])
  );
}

/**
 * Opens a piece sealed under `key`. A wrong passphrase and an altered or
 * swapped piece look the same to AES-GCM: both are `cannot_open`.
 */
export async function openWithKey(key: PassphraseKey, sealed: Uint8Array, associatedData: string): Promise<Uint8Array<ArrayBuffer>> {
  const parts = parseSealed(sealed);
  if (!sealedUnder(key, sealed)) throw new SealError('cannot_open', 'sealed under another passphrase key');
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: parts.iv, additionalData: new TextEncoder().encode(associatedData) },
        key.key,
        parts.ciphertext,
      ),
    );
  } catch {
    throw new SealError('cannot_open', 'wrong passphrase, or the sealed piece was altered');
  }
}

/** Derives a fresh key (new salt) and seals once: an export file. */
export async function sealWithPassphrase(plaintext: Uint8Array, passphrase: string, associatedData: string): Promise<Uint8Array<ArrayBuffer>> {
  return sealWithKey(await derivePassphraseKey(passphrase), plaintext, associatedData);
}

/** Opens what {@link sealWithPassphrase} made, deriving the key from the salt and cost it carries. */
export async function openWithPassphrase(sealed: Uint8Array, passphrase: string, associatedData: string): Promise<Uint8Array<ArrayBuffer>> {
  const parts = parseSealed(sealed);
  const key = await derivePassphraseKey(passphrase, { salt: parts.salt, cost: parts.cost });
  return openWithKey(key, sealed, associatedData);
}

/** The key that opens pieces already sealed (e.g. notes stored on the server), from the first of them. */
export async function passphraseKeyFor(sealed: Uint8Array, passphrase: string): Promise<PassphraseKey> {
  const parts = parseSealed(sealed);
  return derivePassphraseKey(passphrase, { salt: parts.salt, cost: parts.cost });
}
