import fs from 'node:fs';
import path from 'node:path';
import express, { type ErrorRequestHandler, type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { AppError, toClientError } from '../errors.js';
import { sameOriginWrites } from './same-origin.js';

export interface HttpAppParts {
  /** API routers by their path under /api. */
  api: Record<string, express.Router>;
  health: express.Router;
  webBuildDir?: string | undefined;
  /** Checks the CSRF token of state-changing calls (after the Origin check). */
  csrf: express.RequestHandler;
  /** JSON body limits above the default 16 kB, by path under /api (a CSV upload). */
  largeBodies?: Record<string, string>;
  log: Logger;
}

/** Express: JSON API under /api, health at the root, and the built web app for everything else. */
export function createHttpApp({ api, health, webBuildDir, csrf, largeBodies = {}, log }: HttpAppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(
    helmet({
      // The SvelteKit build carries its own CSP (kit.csp, hash mode).
      contentSecurityPolicy: false,
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'no-referrer' },
    }),
  );
  app.use(health);
  // A body parsed by the larger limit is not parsed again by the default one.
  for (const [route, limit] of Object.entries(largeBodies)) app.use(`/api${route}`, express.json({ limit }));
  app.use('/api', express.json({ limit: '16kb' }), sameOriginWrites, csrf);
  for (const [mount, router] of Object.entries(api)) app.use(`/api${mount}`, router);
  app.use('/api', () => {
    throw new AppError('not_found', 'No such API endpoint.');
  });

  if (webBuildDir && fs.existsSync(path.join(webBuildDir, 'index.html'))) {
    app.use(express.static(webBuildDir, { index: 'index.html', maxAge: '1h' }));
    // Client-side routes: every other GET gets the app shell.
    app.get('/{*path}', (_req, res) => {
      res.sendFile(path.join(webBuildDir, 'index.html'));
    });
  } else {
    log.warn({ webBuildDir }, 'no web build found; serving the API only');
  }

  const onError: ErrorRequestHandler = (error: unknown, _req, res, _next) => {
    const parseFailure =
      error instanceof SyntaxError || (error instanceof Error && 'type' in error && String(error.type).startsWith('entity.'));
    const appError = parseFailure
      ? new AppError('invalid_payload', 'The request body is not valid JSON or is too large.')
      : toClientError(error, log);
    res.status(appError.status).json({
      ok: false,
      error: { code: appError.code, message: appError.message, ...(appError.issues ? { issues: appError.issues } : {}) },
    });
  };
  app.use(onError);
  return app;
}
