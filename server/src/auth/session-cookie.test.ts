import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, readSessionToken, secureCookies, sessionCookie } from './session-cookie.js';

describe('the session cookie', () => {
  it('is Secure in production whatever the URL, and elsewhere only behind https', () => {
    expect(secureCookies({ NODE_ENV: 'production', PUBLIC_URL: undefined })).toBe(true);
    expect(secureCookies({ NODE_ENV: 'production', PUBLIC_URL: 'http://localhost:3000' })).toBe(true);
    expect(secureCookies({ NODE_ENV: 'development', PUBLIC_URL: 'https://care.example.go.id' })).toBe(true);
    expect(secureCookies({ NODE_ENV: 'development', PUBLIC_URL: undefined })).toBe(false);
    expect(secureCookies({ NODE_ENV: 'test', PUBLIC_URL: 'http://127.0.0.1:3000' })).toBe(false);
  });

  it('is HttpOnly and SameSite=Strict, and lives until the sign-in’s absolute end', () => {
    const cookie = sessionCookie('token-value', Date.now() + 3_600_000, true);
    expect(cookie).toMatch(/^care_session=token-value;/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('Secure');
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(Number(/Max-Age=(\d+)/.exec(cookie)?.[1])).toBeGreaterThan(3590);
    expect(clearedSessionCookie(false)).toContain('Max-Age=0');
    expect(readSessionToken('a=b; care_session=abc')).toBe('abc');
  });
});
