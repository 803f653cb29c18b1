import type { CurrentUser, Role } from '@care/shared';
import type { NextFunction, Request, Response } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import type { ReadSession } from '../auth/session-store.js';
import { readSessionToken } from '../auth/session-cookie.js';
import { AppError } from '../errors.js';

interface AuthLocals {
  /** The sign-in read once per request (the CSRF check and `requireUser` share it). */
  sessionRead?: Promise<ReadSession | undefined>;
  session?: ReadSession;
  user?: CurrentUser;
}

export interface RequireUserOptions {
  /**
   * Let in a person whose role needs a second factor they have not set up
   * yet (who they are, the CSRF token, enrolment itself, signing out).
   * Everywhere else they are sent to enrolment first.
   */
  beforeTotpEnrolment?: boolean;
}

/** The sign-in behind this request's cookie, read from Redis once however many checks ask. */
export function requestSession(req: Request, res: Response, auth: AuthService): Promise<ReadSession | undefined> {
  const locals = res.locals as AuthLocals;
  locals.sessionRead ??= auth.session(readSessionToken(req.headers.cookie));
  return locals.sessionRead;
}

/** Loads the signed-in user for the routes after it; 401 when there is none. */
export function requireUser(auth: AuthService, options: RequireUserOptions = {}) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const session = await requestSession(req, res, auth);
    if (!session) throw new AppError('unauthenticated', 'Please sign in.');
    const locals = res.locals as AuthLocals;
    locals.session = session;
    locals.user = await auth.signedIn(session);
    if (locals.user.totpEnrolmentRequired && !options.beforeTotpEnrolment) {
      throw new AppError('totp_enrolment_required', 'Please turn on two-step verification first (Account security).');
    }
    next();
  };
}

/** After `requireUser`: only these roles go on; everyone else gets 403. */
export function requireRole(...roles: Role[]) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (!roles.includes(currentUser(res).role)) throw new AppError('forbidden', 'You do not have access to this.');
    next();
  };
}

export function currentUser(res: Response): CurrentUser {
  const user = (res.locals as AuthLocals).user;
  if (!user) throw new AppError('unauthenticated', 'Please sign in.');
  return user;
}

/** The sign-in behind this request (to renew or end it). */
export function currentSession(res: Response): ReadSession {
  const session = (res.locals as AuthLocals).session;
  if (!session) throw new AppError('unauthenticated', 'Please sign in.');
  return session;
}
