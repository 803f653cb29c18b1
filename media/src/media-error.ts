/**
 * Failures the media layer reports to its caller, each with a stable code.
 * 'limit_reached': the peer asked for more than it may hold (peer-limits.ts).
 * 'pipe_refused': a far media host's pipe message failed its check (host-pipe-messages.ts, host-pipe-settings.ts).
 */
export type MediaErrorCode = 'not_found' | 'invalid_state' | 'cannot_consume' | 'port_in_use' | 'unavailable' | 'limit_reached' | 'pipe_refused';

export class MediaError extends Error {
  override readonly name = 'MediaError';

  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}
