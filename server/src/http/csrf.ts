import type { NextFunction, Request, Response } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import { csrfTokenMatches } from '../auth/csrf-token.js';
import { readSessionToken } from '../auth/session-cookie.js';
import { AppError } from '../errors.js';
import { requestSession } from './authenticate.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CSRF_HEADER = 'x-csrf-token';

/**
 * CSRF tokens on every state-changing call under /api made with a live
 * session: the `X-CSRF-Token` header must carry the session's token
 * (`csrfTokenFor`). Without a live session there is no ambient authority to
 * abuse, so the request goes on and the route answers 401 as before; sign-in,
 * its second step and accepting an invite (`exemptPaths`) have no session yet.
 * Runs after `sameOriginRequests`: both checks hold.
 */
export function requireCsrfToken(auth: AuthService, exemptPaths: readonly string[]) {
  const exempt = new Set(exemptPaths);
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (safeMethods.has(req.method) || exempt.has(req.path)) return next();
    const token = readSessionToken(req.headers.cookie);
    if (!token || !(await requestSession(req, res, auth))) return next();
    if (!csrfTokenMatches(token, req.get(CSRF_HEADER))) {
      throw new AppError('csrf_invalid', 'This request is missing its security token. Please reload the page and try again.');
    }
    next();
  };
}
