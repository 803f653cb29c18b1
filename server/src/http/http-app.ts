import fs from 'node:fs';
import path from 'node:path';
import type { HelpLine } from '@care/shared';
import express, { type ErrorRequestHandler, type Express } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import { AppError, toClientError } from '../errors.js';
import { offlinePageOf } from './offline-page.js';
import { contentSecurityDirectives, inlineSourcesOf, permissionsPolicy } from './page-policy.js';
import { sameOriginRequests, type OriginPolicy } from './same-origin.js';

export interface HttpAppParts {
  /** API routers by their path under /api. */
  api: Record<string, express.Router>;
  health: express.Router;
  webBuildDir?: string | undefined;
  /** The crisis lines the offline page shows (the service worker keeps that page, never an API answer). */
  helpLines: readonly HelpLine[];
  /** Checks the CSRF token of state-changing calls (after the Origin check). */
  csrf: express.RequestHandler;
  /** JSON body limits above the default 16 kB, by path under /api (a CSV upload). */
  largeBodies?: Record<string, string>;
  /** The pages allowed to call the API; their socket origins go into the CSP's connect-src. */
  origins: OriginPolicy;
  /** Proxies whose X-Forwarded-For is believed, as address/prefix (TRUSTED_PROXIES). */
  trustedProxies: ReadonlyArray<{ address: string; prefix: number }>;
  log: Logger;
}

/**
 * A 4xx raised by Express itself or its body parser (malformed JSON or
 * percent-encoding, an unsupported charset or encoding, a body over the
 * limit): the client's mistake, told as such rather than as our failure.
 * Only errors that carry such a status: a SyntaxError of our own is a bug.
 */
function requestUnreadable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const status = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** Express: JSON API under /api, health at the root, and the built web app for everything else. */
export function createHttpApp({ api, health, webBuildDir, helpLines, csrf, largeBodies = {}, origins, trustedProxies, log }: HttpAppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', trustedProxies.map(({ address, prefix }) => `${address}/${prefix}`));
  const buildDir = webBuildDir && fs.existsSync(path.join(webBuildDir, 'index.html')) ? webBuildDir : undefined;
  const inline = buildDir ? inlineSourcesOf(buildDir) : { scripts: [], styleAttributes: [] };
  app.use(
    helmet({
      // On every response: the pages get it where it matters, and a worker script is held to it too.
      contentSecurityPolicy: { useDefaults: false, directives: contentSecurityDirectives(inline, () => origins.origins) },
      crossOriginEmbedderPolicy: false,
      referrerPolicy: { policy: 'no-referrer' },
      xFrameOptions: { action: 'deny' },
    }),
  );
  app.use((_req, res, next) => {
    res.setHeader('Permissions-Policy', permissionsPolicy);
    next();
  });
  app.use(health);
  // Answers under /api are about a person (help lines, public, say otherwise): no cache keeps them.
  app.use('/api', (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  app.use('/api', sameOriginRequests(origins));
  // A body parsed by the larger limit is not parsed again by the default one.
  for (const [route, limit] of Object.entries(largeBodies)) app.use(`/api${route}`, express.json({ limit }));
  app.use('/api', express.json({ limit: '16kb' }), csrf);
  for (const [mount, router] of Object.entries(api)) app.use(`/api${mount}`, router);
  app.use('/api', () => {
    throw new AppError('not_found', 'No such API endpoint.');
  });

  if (buildDir) {
    const shell = path.join(buildDir, 'index.html');
    const offlinePage = offlinePageOf(buildDir, helpLines);
    if (offlinePage !== undefined) {
      // What a phone shows without a connection; the service worker keeps a copy and asks again now and then.
      app.get(['/offline', '/offline.html'], (_req, res) => {
        res.setHeader('Cache-Control', 'no-cache');
        res.type('html').send(offlinePage);
      });
    }
    app.use(
      express.static(buildDir, {
        index: 'index.html',
        maxAge: '1h',
        // The shell names this build's hashed files, and a new service worker must be found at once: always asked for afresh.
        setHeaders: (res, file) => {
          if (file.endsWith('.html') || path.basename(file) === 'service-worker.js') res.setHeader('Cache-Control', 'no-cache');
          // The blur's model files have no registered type: named as bytes, so nothing sniffs them as a page.
          if (file.endsWith('.tflite') || file.endsWith('.binarypb')) res.setHeader('Content-Type', 'application/octet-stream');
        },
      }),
    );
    // A build file that is not there is a 404, not the app shell under a script's name.
    app.use('/_app', () => {
      throw new AppError('not_found', 'No such file.');
    });
    // Client-side routes: every other GET gets the app shell.
    app.get('/{*path}', (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(shell);
    });
  } else {
    log.warn({ webBuildDir }, 'no web build found; serving the API only');
  }
  app.use(() => {
    throw new AppError('not_found', 'Not found.');
  });

  const onError: ErrorRequestHandler = (error: unknown, _req, res, next) => {
    // Half an answer already sent (a file stream that failed): Express closes the connection.
    if (res.headersSent) return next(error);
    const appError =
      !(error instanceof AppError) && requestUnreadable(error)
        ? new AppError('invalid_payload', 'The request could not be read: its body is not valid JSON, too large, or in an unsupported encoding, or its address is malformed.')
        : toClientError(error, log);
    res.status(appError.status).json({
      ok: false,
      error: { code: appError.code, message: appError.message, ...(appError.issues ? { issues: appError.issues } : {}) },
    });
  };
  app.use(onError);
  return app;
}
