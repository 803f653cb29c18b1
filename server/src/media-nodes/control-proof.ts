import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { controlProofMessage } from '@care/shared';

/*
 * The control channel's authentication: the media node sends a fresh random
 * nonce with each connection, and only a signal node holding the shared
 * secret can answer it. A proof seen on one connection is worth nothing on
 * another (its nonce is gone), so a captured answer cannot be replayed.
 */

export function freshNonce(): string {
  return randomBytes(32).toString('base64url');
}

export function controlProof(secret: string, nonce: string): string {
  return createHmac('sha256', secret).update(controlProofMessage(nonce)).digest('base64url');
}

/** Whether `proof` answers `nonce` under `secret`, compared in constant time. */
export function proofMatches(secret: string, nonce: string, proof: string): boolean {
  const expected = Buffer.from(controlProof(secret, nonce), 'base64url');
  const given = Buffer.from(proof, 'base64url');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
