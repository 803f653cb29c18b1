import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The CSRF token of a session: an HMAC of a fixed label keyed by the session
 * token itself. It is a synchronizer token without storage: only someone who
 * holds the (HttpOnly) session cookie can compute it, it changes with every
 * sign-in, and it reveals nothing about the cookie (nor about the SHA-256 of
 * the cookie that Redis keeps). Scripts of our own origin read it from
 * `GET /api/auth/csrf` and send it back as `X-CSRF-Token`.
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHmac('sha256', sessionToken).update('care-asn csrf v1').digest('base64url');
}

export function csrfTokenMatches(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
