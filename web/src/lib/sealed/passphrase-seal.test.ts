import { describe, expect, it } from 'vitest';
import {
  DEFAULT_KDF_COST,
  derivePassphraseKey,
  openWithKey,
  openWithPassphrase,
  passphraseKeyFor,
  sealWithKey,
  sealWithPassphrase,
  sealedUnder,
} from './passphrase-seal.js';
import { SealError } from './seal-error.js';
import { sealedFromText, sealedToText } from './sealed-text.js';

const text = (value: string) => new TextEncoder().encode(value);

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'opened';
  } catch (error) {
    return error instanceof SealError ? error.code : `other: ${String(error)}`;
  }
}

describe('passphrase sealing', () => {
  it('opens with the passphrase and the same purpose, and with nothing else', async () => {
    const sealed = await sealWithPassphrase(text('langkah 1: tidur sebelum jam 11'), 'kuda baterai staples benar', 'plan-export:acc1');
    const opened = await openWithPassphrase(sealed, 'kuda baterai staples benar', 'plan-export:acc1');
    expect(new TextDecoder().decode(opened)).toBe('langkah 1: tidur sebelum jam 11');
    expect(await codeOf(openWithPassphrase(sealed, 'kuda baterai staples salah', 'plan-export:acc1'))).toBe('cannot_open');
    expect(await codeOf(openWithPassphrase(sealed, 'kuda baterai staples benar', 'plan-export:acc2'))).toBe('cannot_open');
  }, 60_000);

  it('keeps the plaintext out of the sealed bytes and refuses any altered byte', async () => {
    const key = await derivePassphraseKey('catatan rahasia konselor');
    const sealed = await sealWithKey(key, text('CANARY-NOTE-7781'), 'note:c1:a1:n1');
    expect(new TextDecoder('latin1').decode(sealed)).not.toContain('CANARY');
    for (const index of [4, 12, 30, 40, sealed.length - 1]) {
      const altered = new Uint8Array(sealed);
      altered[index] = (altered[index] ?? 0) ^ 1;
      expect(await codeOf(openWithKey(key, altered, 'note:c1:a1:n1'))).not.toBe('opened');
    }
    // A note swapped onto another record's name does not open.
    expect(await codeOf(openWithKey(key, sealed, 'note:c1:a2:n1'))).toBe('cannot_open');
    expect(new TextDecoder().decode(await openWithKey(key, sealed, 'note:c1:a1:n1'))).toBe('CANARY-NOTE-7781');
    // The key for later pieces comes back from the first piece and the passphrase.
    const again = await passphraseKeyFor(sealed, 'catatan rahasia konselor');
    expect(sealedUnder(again, sealed)).toBe(true);
    expect(new TextDecoder().decode(await openWithKey(again, sealed, 'note:c1:a1:n1'))).toBe('CANARY-NOTE-7781');
  }, 60_000);

  it('gives the same key for the same words however the keyboard composed them', async () => {
    const composed = await sealWithPassphrase(text('x'), 'Jalan Kenari caf\u00e9', 'p');
    expect(new TextDecoder().decode(await openWithPassphrase(composed, 'Jalan Kenari cafe\u0301', 'p'))).toBe('x');
  }, 60_000);

  it('refuses pieces that are not sealed, truncated, or ask for a cost outside the bounds', async () => {
    expect(await codeOf(openWithPassphrase(text('hello, this is not sealed at all, not at all'), 'x', 'p'))).toBe('malformed');
    const key = await derivePassphraseKey('x');
    const sealed = await sealWithKey(key, text('y'), 'p');
    expect(await codeOf(openWithPassphrase(sealed.slice(0, 40), 'x', 'p'))).toBe('malformed');
    const cheap = new Uint8Array(sealed);
    new DataView(cheap.buffer).setUint32(4, 1024);
    expect(await codeOf(openWithPassphrase(cheap, 'x', 'p'))).toBe('unsupported');
    const huge = new Uint8Array(sealed);
    new DataView(huge.buffer).setUint32(4, 4_000_000);
    expect(await codeOf(openWithPassphrase(huge, 'x', 'p'))).toBe('unsupported');
    await expect(derivePassphraseKey('x', { cost: { ...DEFAULT_KDF_COST, iterations: 1 } })).rejects.toThrow(SealError);
  }, 60_000);

  it('travels as base64url text and back unchanged', () => {
    const bytes = crypto.getRandomValues(new Uint8Array(301));
    const asText = sealedToText(bytes);
    expect(asText).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealedFromText(asText)).toEqual(bytes);
    expect(() => sealedFromText('not base64!')).toThrow(SealError);
  });
});
