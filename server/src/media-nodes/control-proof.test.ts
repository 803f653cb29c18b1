import { describe, expect, it } from 'vitest';
import { controlProof, freshNonce, proofMatches } from './control-proof.js';

const secret = 'a shared secret of at least thirty-two characters';

describe('the control channel proof', () => {
  it('answers a nonce under the secret, and only that nonce under that secret', () => {
    const nonce = freshNonce();
    expect(proofMatches(secret, nonce, controlProof(secret, nonce))).toBe(true);
    expect(proofMatches(secret, freshNonce(), controlProof(secret, nonce))).toBe(false);
    expect(proofMatches(secret, nonce, controlProof(`${secret}!`, nonce))).toBe(false);
  });

  it('gives a fresh 256-bit nonce each time, in the form the schema takes', () => {
    const nonces = new Set(Array.from({ length: 100 }, freshNonce));
    expect(nonces.size).toBe(100);
    for (const nonce of nonces) expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a proof of another length without throwing', () => {
    const nonce = freshNonce();
    for (const proof of ['', 'AA', controlProof(secret, nonce).slice(0, 40), `${controlProof(secret, nonce)}AAAA`]) {
      expect(proofMatches(secret, nonce, proof)).toBe(false);
    }
  });
});
