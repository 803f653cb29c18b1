import { parseCookie, stringifySetCookie } from 'cookie';
import type { Config } from '../config.js';

export const SESSION_COOKIE = 'care_session';

export function readSessionToken(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[SESSION_COOKIE];
}

/**
 * Secure (sent over HTTPS only) always in production, and wherever the
 * public URL is https. Browsers treat http://localhost as secure, so a
 * production build tried on localhost still signs in.
 */
export function secureCookies(config: Pick<Config, 'NODE_ENV' | 'PUBLIC_URL'>): boolean {
  return config.NODE_ENV === 'production' || (config.PUBLIC_URL?.startsWith('https:') ?? false);
}

/**
 * HttpOnly so scripts cannot read it; SameSite=Strict so other sites cannot
 * use it. It lives as long as the sign-in can (its absolute end); the server
 * decides when it is over, the browser only forgets it.
 */
export function sessionCookie(token: string, expiresAt: number, secure: boolean): string {
  return stringifySetCookie({
    name: SESSION_COOKIE,
    value: token,
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: Math.max(0, Math.floor((expiresAt - Date.now()) / 1000)),
  });
}

export function clearedSessionCookie(secure: boolean): string {
  return stringifySetCookie({ name: SESSION_COOKIE, value: '', httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: 0 });
}
