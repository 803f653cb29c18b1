/**
 * Why an SFrame operation refused to go on. Receivers act on the code: an
 * `unknown-kid` frame may be held until its key arrives (RFC 9605 §4.4.4),
 * every other decryption failure means the frame is dropped.
 */
export type SFrameErrorCode =
  /** The header is truncated or not in the minimal form §4.3 requires. */
  | 'malformed-header'
  /** The frame is too short for its clear prefix or for an authentication tag. */
  | 'malformed-frame'
  /** No key of the needed role (send or receive) is installed for the KID. */
  | 'unknown-kid'
  /** The AEAD rejected the frame: wrong key, or header, metadata, ciphertext or tag altered. */
  | 'authentication-failed'
  /** The KID's counter has used its last 64-bit value; a new key is needed. */
  | 'counter-exhausted'
  /** The KID is already installed in the other role; a base key is send-only or receive-only (§4.4.1). */
  | 'key-conflict'
  /** This context already encrypted with this base key under this KID; again would repeat nonces (§9.1). */
  | 'key-reuse'
  /** A KID, counter, epoch, index or key length outside what the scheme allows. */
  | 'invalid-argument';

/**
 * The one error type of the e2ee modules. Messages never carry key material or
 * plaintext; `kid` is set where it helps the caller (it is public on the wire).
 */
export class SFrameError extends Error {
  override readonly name = 'SFrameError';

  constructor(
    readonly code: SFrameErrorCode,
    message: string,
    readonly kid?: bigint,
  ) {
    super(message);
  }
}
