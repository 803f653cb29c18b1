import { createHmac, randomBytes } from 'node:crypto';

/**
 * A keyed hash (HMAC-SHA256) for Redis key names that would otherwise hold
 * an email or a network address. A plain hash would not do: there are only
 * 2^32 IPv4 addresses, and every email of a department can be listed, so an
 * unkeyed digest is one dictionary away from the value. Without the key
 * (config, never in Redis) the names say nothing.
 */
export class KeyedHash {
  readonly #key: Buffer;

  /** `base64Key`: RATE_LIMIT_KEY. Without it (development, tests) a fresh key for this process: limits then restart with the server. */
  constructor(base64Key: string | undefined) {
    this.#key = base64Key ? Buffer.from(base64Key, 'base64') : randomBytes(32);
  }

  /** 128 bits of HMAC, hex; `label` separates uses, so one email gives unrelated names in each. */
  of(label: string, value: string): string {
    return createHmac('sha256', this.#key).update(label).update('\0').update(value).digest('hex').slice(0, 32);
  }
}
