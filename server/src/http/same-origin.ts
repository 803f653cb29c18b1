import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../errors.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export type OriginVerdict = { allowed: true } | { allowed: false; reason: string };

/**
 * Which browser pages may talk to the API and open a socket: the origin
 * people use (PUBLIC_URL), or, when it is unset (development), the server's
 * own loopback addresses. A SameSite=Strict cookie still travels from a page
 * of the same *site* on another origin (another port, or a sibling
 * subdomain), so the cookie alone says nothing about who is asking.
 */
export class OriginPolicy {
  readonly #origins = new Set<string>();
  readonly #publicUrl: string | undefined;

  constructor(publicUrl: string | undefined) {
    this.#publicUrl = publicUrl;
    if (publicUrl) this.#origins.add(new URL(publicUrl).origin);
  }

  /** Once the server listens: without PUBLIC_URL, its own addresses are the allowed origins. */
  listening(host: string, port: number): void {
    if (this.#publicUrl) return;
    const names = ['localhost', '127.0.0.1', '[::1]'];
    if (host !== '0.0.0.0' && host !== '::') names.push(host.includes(':') ? `[${host}]` : host);
    for (const name of names) this.#origins.add(new URL(`http://${name}:${port}`).origin);
  }

  /** The allowed origins, as browsers write them (for the Content-Security-Policy's connect-src). */
  get origins(): string[] {
    return [...this.#origins];
  }

  /**
   * A browser names the page behind every cross-origin request in `Origin`
   * (`null` for sandboxed frames and file: pages) and, in Fetch Metadata,
   * how it relates to us. A request without either is not from a browser
   * page (curl, the tests' clients), so it carries no one else's cookie.
   */
  verdict(headers: IncomingHttpHeaders): OriginVerdict {
    const origin = headers.origin;
    if (origin !== undefined) {
      return this.#origins.has(normalise(origin))
        ? { allowed: true }
        : { allowed: false, reason: origin === 'null' ? 'an opaque (null) origin' : 'a foreign origin' };
    }
    const site = headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return { allowed: false, reason: `a ${String(site)} request` };
    return { allowed: true };
  }
}

function normalise(origin: string): string {
  try {
    return new URL(origin).origin;
  } catch {
    return 'null';
  }
}

/**
 * Every call under /api: a browser page of another origin is refused before
 * any route runs (403 `forbidden`, `Origin: null` included), so neither a
 * cross-site write nor a cross-site read of a personal answer gets through.
 * State-changing calls must also send JSON, which a cross-site form cannot
 * send without a CORS preflight this server never grants.
 */
export function sameOriginRequests(policy: OriginPolicy) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const verdict = policy.verdict(req.headers);
    if (!verdict.allowed) throw new AppError('forbidden', `Cross-site requests are not allowed (${verdict.reason}).`);
    if (!safeMethods.has(req.method) && !req.is('application/json')) {
      throw new AppError('invalid_payload', 'Requests that change something must send a JSON body (Content-Type: application/json).');
    }
    next();
  };
}
