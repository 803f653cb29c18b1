/** Failures the media layer reports to its caller, each with a stable code. */
export type MediaErrorCode = 'not_found' | 'invalid_state' | 'cannot_consume' | 'port_in_use' | 'unavailable';

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
