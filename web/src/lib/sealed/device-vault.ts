import { BrowserStore } from '../e2ee/browser-store.js';
import { toBufferSource } from '../e2ee/buffer-source.js';
import { SealError } from './seal-error.js';

/*
 * What a person keeps on their own device between sessions (their improvement
 * plan, their check-ins, their intake answers), sealed at rest with AES-GCM
 * under a key made on this device as a non-extractable WebCrypto key: no
 * script, ours included, can read the key out, and it is never sent anywhere.
 * One key per account on this browser, so two people sharing a computer do
 * not open each other's records through our pages.
 *
 * What it does not do: the key sits in the same browser profile as the
 * records, so someone who can run code in this origin while it is open (or
 * who has the unlocked profile) can ask the browser to decrypt. It keeps the
 * records unreadable to anything that copies or inspects the stored values
 * without going through this origin's WebCrypto, and each record opens only
 * under its own name and account (associated data), so records cannot be
 * swapped or moved between people undetected.
 */

/** Anything that checks a value read back, e.g. a zod schema. */
export interface RecordSchema<T> {
  parse(value: unknown): T;
}

interface SealedRecord {
  iv: Uint8Array;
  ciphertext: Uint8Array;
}

function isSealedRecord(value: unknown): value is SealedRecord {
  const v = value as Partial<SealedRecord> | undefined;
  return v?.iv instanceof Uint8Array && v.ciphertext instanceof Uint8Array;
}

const store = new BrowserStore('care-asn-vault', 'records');
const IV_BYTES = 12;

function keyName(accountId: string): string {
  return `key:${accountId}`;
}

export class DeviceVault {
  private constructor(
    private readonly accountId: string,
    private readonly key: CryptoKey,
  ) {}

  /** The vault of `accountId` on this browser, its key made on first use. */
  static async open(accountId: string): Promise<DeviceVault> {
    if (!accountId || accountId.includes(':')) throw new SealError('malformed', 'not an account id');
    try {
      const existing = await store.get(keyName(accountId));
      if (existing instanceof CryptoKey) return new DeviceVault(accountId, existing);
      const made = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
      // Another tab may have made one a moment ago: theirs wins, so both tabs seal under the same key.
      if (await store.addIfAbsent(keyName(accountId), made)) return new DeviceVault(accountId, made);
      const winner = await store.get(keyName(accountId));
      if (winner instanceof CryptoKey) return new DeviceVault(accountId, winner);
    } catch (error) {
      if (error instanceof SealError) throw error;
    }
    throw new SealError('no_storage', 'this browser keeps nothing for us (private mode or storage blocked)');
  }

  #recordName(name: string): string {
    return `record:${this.accountId}:${name}`;
  }

  #associatedData(name: string): Uint8Array<ArrayBuffer> {
    return new TextEncoder().encode(`care-asn-vault:${this.accountId}:${name}`);
  }

  /** Seals `value` (JSON) under `name`, replacing what was there. */
  async put(name: string, value: unknown): Promise<void> {
    const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
    const plaintext = new TextEncoder().encode(JSON.stringify(value));
    const ciphertext = new Uint8Array(
      await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: this.#associatedData(name) }, this.key, plaintext),
    );
    const record: SealedRecord = { iv, ciphertext };
    await store.put(this.#recordName(name), record).catch(() => {
      throw new SealError('no_storage', 'the record could not be stored');
    });
  }

  /**
   * The value under `name`, checked by `schema`; undefined when there is none.
   * A record that does not open (altered, moved, or from a lost key) or that
   * fails its schema is `cannot_open` / `malformed`, never returned half-read.
   */
  async get<T>(name: string, schema: RecordSchema<T>): Promise<T | undefined> {
    const record = await store.get(this.#recordName(name)).catch(() => {
      throw new SealError('no_storage', 'the record could not be read');
    });
    if (record === undefined) return undefined;
    if (!isSealedRecord(record)) throw new SealError('malformed', 'a damaged record');
    let plaintext: ArrayBuffer;
    try {
      plaintext = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: toBufferSource(record.iv), additionalData: this.#associatedData(name) },
        this.key,
        toBufferSource(record.ciphertext),
      );
    } catch {
      throw new SealError('cannot_open', 'the record does not open under this device key');
    }
    try {
      return schema.parse(JSON.parse(new TextDecoder().decode(plaintext)));
    } catch {
      throw new SealError('malformed', 'the record does not have the expected shape');
    }
  }

  async delete(name: string): Promise<void> {
    await store.delete(this.#recordName(name));
  }

  /** The names of this account's records that start with `prefix`. */
  async names(prefix = ''): Promise<string[]> {
    const base = this.#recordName('');
    const keys = await store.keysWithPrefix(`${base}${prefix}`);
    return keys.map((key) => key.slice(base.length));
  }
}
