import type { ErrorBody, ErrorCode } from '@care/shared';

/** An error the server (or the network) reported, with a code the UI translates. */
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly code: ErrorCode | 'network',
    message: string,
    readonly issues?: ErrorBody['issues'],
  ) {
    super(message);
  }

  static from(body: ErrorBody): ApiError {
    return new ApiError(body.code, body.message, body.issues);
  }
}
