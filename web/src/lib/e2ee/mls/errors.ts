/**
 * Errors of the MLS group layer. Every failure leaves the member's state as it
 * was before the call, so a caller can switch on `code` and carry on (buffer a
 * message for later, ask the server to resend, rejoin the room).
 *
 * Messages name what went wrong, never key material or plaintext. A `cause`
 * from ts-mls is kept for debugging; its messages are fixed strings.
 */

export type MlsErrorCode =
  /** The call does not fit where the member is: no group yet, already in one, a commit still pending. */
  | 'invalid-state'
  /** An argument that can never work: nothing to add, removing oneself, an empty group id. */
  | 'invalid-argument'
  /** This member was removed from the group; it holds no keys for the current epoch. */
  | 'removed-from-group'
  /** Bytes that do not decode as the expected MLS message. */
  | 'malformed-message'
  /** A well-formed MLS message of another kind than the call expects. */
  | 'unexpected-message-type'
  /** A message for another group. */
  | 'wrong-group'
  /** A message for an epoch this member has already left. */
  | 'stale-epoch'
  /** A message for an epoch this member has not reached yet (a commit is missing). */
  | 'future-epoch'
  /** A commit that did not validate, or that carries proposals this layer does not allow. */
  | 'commit-rejected'
  /** A Welcome this member cannot use: not addressed to any of its KeyPackages, or invalid. */
  | 'welcome-rejected'
  /** A KeyPackage that does not decode, does not verify, or uses another cipher suite. */
  | 'invalid-key-package'
  /** A participant id that is not in the group. */
  | 'unknown-participant'
  /** A participant id or identity key material that is not acceptable. */
  | 'invalid-identity'
  /** An application message that failed authentication or decryption. */
  | 'decrypt-failed';

export class MlsGroupError extends Error {
  override readonly name: string = 'MlsGroupError';

  constructor(
    readonly code: MlsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * A handshake or application message whose epoch is not the member's current
 * one. `future-epoch` usually means a commit has not been processed yet: keep
 * the message and retry after the next commit.
 */
export class MlsEpochError extends MlsGroupError {
  override readonly name = 'MlsEpochError';

  constructor(
    code: 'stale-epoch' | 'future-epoch',
    readonly messageEpoch: bigint,
    readonly currentEpoch: bigint,
  ) {
    super(code, `message for epoch ${messageEpoch}, member is at epoch ${currentEpoch}`);
  }
}

/** An application message that failed authentication or decryption (tampered, or keys this member lacks). */
export class MlsDecryptError extends MlsGroupError {
  override readonly name = 'MlsDecryptError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('decrypt-failed', message, options);
  }
}
