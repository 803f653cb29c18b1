import { fail, type Ack, type ErrorCode, type ValidationIssue } from '@care/shared';
import { MediaError, type MediaErrorCode } from '@care/media';
import mongoose from 'mongoose';
import type { Logger } from 'pino';

const httpStatus: Record<ErrorCode, number> = {
  invalid_payload: 400,
  invalid_credentials: 401,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  not_admitted: 403,
  not_in_room: 409,
  room_full: 409,
  stale_epoch: 409,
  room_locked: 423,
  removed: 403,
  session_ended: 410,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
  // Scheduling: 409 when the state of the calendar stands in the way, 422 when
  // the request could never be booked under the counselor's rules.
  slot_taken: 409,
  already_booked: 409,
  outside_availability: 422,
  too_soon: 422,
  beyond_horizon: 422,
  day_full: 409,
  past_cutoff: 409,
  conflict: 409,
  // A cancelled circle, or one whose meetings are all over: nobody can join it.
  circle_closed: 409,
  // Accounts.
  csrf_invalid: 403,
  invite_invalid: 404,
  invite_expired: 410,
  invite_used: 410,
  already_exists: 409,
  totp_required: 401,
  totp_invalid: 401,
  totp_enrolment_required: 403,
  account_inactive: 403,
  // Trust under attack (issue 12): MLS, someone other than the designated committer.
  not_committer: 409,
  // Trust under attack (issue 12): sessions — password-reset links, answered like invite links.
  reset_invalid: 404,
  reset_expired: 410,
  reset_used: 410,
  // Trust under attack (issue 12): administrators — the last active one cannot be deactivated.
  last_admin: 409,
  // The programme (issue 13): the person's sessions for the programme year are all booked or held.
  allowance_used: 409,
  // Check-ins (issue 13 §4): one evaluation contribution per person and cycle.
  already_contributed: 409,
  wrong_node: 409,
};

/** What a client is told of each media failure; a peer over its limits (peer-limits.ts) is rate_limited. */
const mediaErrorCode: Record<MediaErrorCode, ErrorCode> = {
  not_found: 'not_found',
  invalid_state: 'invalid_payload',
  cannot_consume: 'invalid_payload',
  port_in_use: 'unavailable',
  unavailable: 'unavailable',
  limit_reached: 'rate_limited',
  // Between media hosts (issue 14): never a client's doing; a client that meets it sees the media unavailable.
  pipe_refused: 'unavailable',
};

/** An error whose message is written for the client. */
export class AppError extends Error {
  override readonly name = 'AppError';

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ValidationIssue[],
  ) {
    super(message);
  }

  get status(): number {
    return httpStatus[this.code];
  }
}

/** The database could not be reached (down, silent, or the connection lost): a 503, not a bug. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const driver = mongoose.mongo;
  return (
    // Network errors include timeouts and a cleared pool.
    error instanceof driver.MongoNetworkError ||
    error instanceof driver.MongoServerSelectionError ||
    error instanceof driver.MongoNotConnectedError ||
    error instanceof driver.MongoTopologyClosedError ||
    error.name === 'MongooseServerSelectionError' ||
    /buffering timed out|Client must be connected|connection .* closed/i.test(error.message)
  );
}

/**
 * Maps anything thrown to what a client may see: known errors keep their
 * message; everything else becomes a generic message and is logged here.
 */
export function toClientError(error: unknown, log: Logger): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof MediaError) return new AppError(mediaErrorCode[error.code], error.message);
  if (isDatabaseUnavailable(error)) {
    log.error({ err: error }, 'database unavailable');
    return new AppError('unavailable', 'The scheduling database is not reachable right now. Please try again in a moment.');
  }
  log.error({ err: error }, 'unexpected error');
  return new AppError('internal', 'Something went wrong on our side. Please try again.');
}

export function toAck(error: unknown, log: Logger): Ack<never> {
  const appError = toClientError(error, log);
  return fail(appError.code, appError.message, appError.issues);
}
