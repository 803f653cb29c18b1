/**
 * Failures the media layer reports to its caller, each with a stable code.
 * 'limit_reached': the peer asked for more than it may hold (peer-limits.ts).
 */
export type MediaErrorCode = 'not_found' | 'invalid_state' | 'cannot_consume' | 'port_in_use' | 'unavailable' | 'limit_reached';

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
