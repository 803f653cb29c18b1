import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Seals small secrets (TOTP seeds) for storage: AES-256-GCM with a random
 * 96-bit nonce, as `v1.<nonce>.<ciphertext>.<tag>` in base64url. A copy of
 * the database alone then gives no one a second factor.
 *
 * Without TOTP_ENCRYPTION_KEY (development and tests only; production refuses
 * to start without it) the key is derived from a fixed label, which is
 * obfuscation, not protection: say so wherever that matters.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(base64Key: string | undefined) {
    this.#key = base64Key ? Buffer.from(base64Key, 'base64') : createHash('sha256').update('care-asn development totp key').digest();
  }

  seal(plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, nonce);
    const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', nonce.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(box: string): string {
    const [version, nonce, sealed, tag] = box.split('.');
    if (version !== 'v1' || !nonce || sealed === undefined || !tag) throw new Error('not a sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(nonce, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  }
}
