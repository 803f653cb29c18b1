import type { CurrentUser } from '@care/shared';
import type { NextFunction, Request, Response } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import { readSessionToken } from '../auth/session-cookie.js';
import { AppError } from '../errors.js';

interface AuthLocals {
  user?: CurrentUser;
}

/** Loads the signed-in user for the routes after it; 401 when there is none. */
export function requireUser(auth: AuthService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const session = await auth.session(readSessionToken(req.headers.cookie));
    if (!session) throw new AppError('unauthenticated', 'Please sign in.');
    (res.locals as AuthLocals).user = await auth.currentUser(session);
    next();
  };
}

export function currentUser(res: Response): CurrentUser {
  const user = (res.locals as AuthLocals).user;
  if (!user) throw new AppError('unauthenticated', 'Please sign in.');
  return user;
}
