/** Why a sealed piece could not be made or opened. */
export type SealErrorCode =
  /** Wrong passphrase, or the piece was altered or swapped (AES-GCM cannot tell these apart). */
  | 'cannot_open'
  /** Not a sealed piece at all, or truncated. */
  | 'malformed'
  /** Sealed with a cost this page refuses (too low to be safe, or too high to run). */
  | 'unsupported'
  /** This browser keeps no storage (private mode, blocked) or it failed. */
  | 'no_storage';

export class SealError extends Error {
  constructor(
    readonly code: SealErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SealError';
  }
}
