import { parseCookie, stringifySetCookie } from 'cookie';

export const SESSION_COOKIE = 'care_session';

export function readSessionToken(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[SESSION_COOKIE];
}

/** HttpOnly so scripts cannot read it; SameSite=Strict so other sites cannot use it. */
export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return stringifySetCookie({
    name: SESSION_COOKIE,
    value: token,
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/',
    maxAge: maxAgeSeconds,
  });
}

export function clearedSessionCookie(secure: boolean): string {
  return stringifySetCookie({ name: SESSION_COOKIE, value: '', httpOnly: true, sameSite: 'strict', secure, path: '/', maxAge: 0 });
}
