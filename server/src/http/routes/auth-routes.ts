import {
  ChangePasswordBody,
  CompletePasswordResetBody,
  ConsentBody,
  LoginBody,
  PasswordResetCheckBody,
  PasswordResetRequestBody,
  SetLocaleBody,
  SetTimeZoneBody,
  TotpLoginBody,
} from '@care/shared';
import { Router, type Request, type Response } from 'express';
import type { AuthService, SignedIn } from '../../auth/auth-service.js';
import { csrfTokenFor } from '../../auth/csrf-token.js';
import type { PasswordResets } from '../../auth/password-resets.js';
import { clearedSessionCookie, readSessionToken, sessionCookie } from '../../auth/session-cookie.js';
import { currentSession, currentUser, requireUser } from '../authenticate.js';
import { parseInput } from '../validate.js';

export interface AuthRouteDeps {
  auth: AuthService;
  passwordResets: PasswordResets;
  secureCookies: boolean;
}

/**
 * /api/auth: signing in and out, the session's CSRF token, the person's own
 * preferences, and passwords (change; reset by an emailed link). Limits on
 * tries live in the services, counted before anything is checked.
 */
export function authRoutes({ auth, passwordResets, secureCookies }: AuthRouteDeps): Router {
  const router = Router();
  const signedIn = requireUser(auth, { beforeTotpEnrolment: true });

  /** A new sign-in replaces whatever this browser held: that one ends, with its connections. */
  const startSession = async (req: Request, res: Response, signed: SignedIn) => {
    await auth.logout(readSessionToken(req.headers.cookie));
    res.setHeader('Set-Cookie', sessionCookie(signed.token, signed.session.expiresAt, secureCookies));
    res.json({ ok: true, data: signed.user });
  };

  router.post('/login', async (req, res) => {
    const outcome = await auth.login(parseInput(LoginBody, req.body, 'sign-in'), req.ip);
    // A second factor: no cookie yet, only the challenge for the code step.
    if ('challenge' in outcome) return void res.json({ ok: true, data: outcome.challenge });
    await startSession(req, res, outcome);
  });

  router.post('/login/totp', async (req, res) => {
    await startSession(req, res, await auth.loginWithTotp(parseInput(TotpLoginBody, req.body, 'sign-in code'), req.ip));
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

  // Open before a required second factor is set up: a person told to enrol may still want a new password.
  router.post('/password', signedIn, async (req, res) => {
    const body = parseInput(ChangePasswordBody, req.body, 'password change');
    const renewed = await auth.changePassword(currentSession(res), body, req.ip);
    res.setHeader('Set-Cookie', sessionCookie(renewed.token, renewed.session.expiresAt, secureCookies));
    res.json({ ok: true, data: currentUser(res) });
  });

  // No session for these three (the person forgot their password), so no CSRF token; the Origin check holds.
  router.post('/password-reset', async (req, res) => {
    const { email } = parseInput(PasswordResetRequestBody, req.body, 'reset request');
    await passwordResets.request(email, req.ip);
    res.status(202).json({ ok: true, data: {} });
  });

  router.post('/password-reset/check', async (req, res) => {
    const { token } = parseInput(PasswordResetCheckBody, req.body, 'reset link');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await passwordResets.check(token, req.ip) });
  });

  router.post('/password-reset/complete', async (req, res) => {
    await passwordResets.complete(parseInput(CompletePasswordResetBody, req.body, 'new password'), req.ip);
    // Whatever this browser held is over too.
    res.setHeader('Set-Cookie', clearedSessionCookie(secureCookies));
    res.json({ ok: true, data: {} });
  });

  return router;
}
