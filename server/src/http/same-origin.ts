import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for state-changing calls: the session cookie is SameSite=Strict,
 * the body must be JSON (a cross-site form cannot send it without a CORS
 * preflight this server never grants), and a browser's Origin must be ours.
 */
export function sameOriginWrites(req: Request, _res: Response, next: NextFunction): void {
  if (safeMethods.has(req.method)) return next();
  if (!req.is('application/json')) {
    throw new AppError('invalid_payload', 'Requests that change something must send a JSON body (Content-Type: application/json).');
  }
  const origin = req.headers.origin;
  if (origin !== undefined && new URL(origin).host !== req.headers.host) {
    throw new AppError('forbidden', 'Cross-site requests are not allowed.');
  }
  next();
}
