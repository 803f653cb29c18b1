import { ConsentBody, LoginBody, SetLocaleBody, SetTimeZoneBody, TotpLoginBody } from '@care/shared';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { AuthService } from '../../auth/auth-service.js';
import { csrfTokenFor } from '../../auth/csrf-token.js';
import { clearedSessionCookie, readSessionToken, sessionCookie } from '../../auth/session-cookie.js';
import { AppError } from '../../errors.js';
import { currentUser, requireUser } from '../authenticate.js';
import { parseInput } from '../validate.js';

export interface AuthRouteDeps {
  auth: AuthService;
  redis: Redis;
  sessionTtlSeconds: number;
  secureCookies: boolean;
}

export function authRoutes({ auth, redis, sessionTtlSeconds, secureCookies }: AuthRouteDeps): Router {
  const router = Router();
  // Ten failed tries per address and account every 15 minutes, counted in Redis
  // so every server node shares them; a successful sign-in clears the count.
  const failures = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'ratelimit:login', points: 10, duration: 900 });
  const signedIn = requireUser(auth, { beforeTotpEnrolment: true });

  router.post('/login', async (req, res) => {
    const body = parseInput(LoginBody, req.body, 'sign-in');
    const key = `${req.ip ?? 'unknown'}|${body.email}`;
    const record = await failures.get(key);
    if (record && record.consumedPoints >= failures.points) {
      throw new AppError('rate_limited', 'Too many sign-in attempts. Please wait 15 minutes and try again.');
    }
    let outcome;
    try {
      outcome = await auth.login(body);
    } catch (error) {
      if (error instanceof AppError && error.code === 'invalid_credentials') {
        await failures.penalty(key, 1);
      }
      throw error;
    }
    await failures.delete(key);
    // A second factor: no cookie yet, only the challenge for the code step.
    if ('challenge' in outcome) return void res.json({ ok: true, data: outcome.challenge });
    res.setHeader('Set-Cookie', sessionCookie(outcome.token, sessionTtlSeconds, secureCookies));
    res.json({ ok: true, data: outcome.user });
  });

  // The code step; wrong codes are limited per account by the TOTP service.
  router.post('/login/totp', async (req, res) => {
    const body = parseInput(TotpLoginBody, req.body, 'sign-in code');
    const { token, user } = await auth.loginWithTotp(body);
    res.setHeader('Set-Cookie', sessionCookie(token, sessionTtlSeconds, secureCookies));
    res.json({ ok: true, data: user });
  });

  router.post('/logout', async (req, res) => {
    await auth.logout(readSessionToken(req.headers.cookie));
    res.setHeader('Set-Cookie', clearedSessionCookie(secureCookies));
    res.json({ ok: true, data: {} });
  });

  // The session's CSRF token, for scripts of our own origin to send back as X-CSRF-Token.
  router.get('/csrf', signedIn, (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: { token: csrfTokenFor(readSessionToken(req.headers.cookie) ?? '') } });
  });

  router.get('/me', signedIn, (_req, res) => {
    res.json({ ok: true, data: currentUser(res) });
  });

  router.post('/locale', requireUser(auth), async (req, res) => {
    const { locale } = parseInput(SetLocaleBody, req.body, 'language');
    res.json({ ok: true, data: await auth.setLocale(currentUser(res).id, locale) });
  });

  router.post('/time-zone', requireUser(auth), async (req, res) => {
    const { timeZone } = parseInput(SetTimeZoneBody, req.body, 'time zone');
    res.json({ ok: true, data: await auth.setTimeZone(currentUser(res).id, timeZone) });
  });

  router.post('/consent', requireUser(auth), async (req, res) => {
    parseInput(ConsentBody, req.body, 'consent');
    res.json({ ok: true, data: await auth.acceptConsent(currentUser(res).id) });
  });

  return router;
}
