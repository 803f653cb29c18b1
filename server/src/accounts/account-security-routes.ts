import { TotpConfirmBody, TotpDisableBody } from '@care/shared';
import { Router, type Response } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import { sessionCookie } from '../auth/session-cookie.js';
import type { TotpService } from '../auth/totp-service.js';
import { currentSession, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';

/**
 * /api/account: the signed-in person's own security settings. Open to a
 * person who must still enrol a second factor: this is where they do it.
 */
export function accountSecurityRoutes(auth: AuthService, totp: TotpService, secureCookies: boolean): Router {
  const router = Router();
  router.use(requireUser(auth, { beforeTotpEnrolment: true }));

  // The whole account, read fresh: the second factor's state and secrets are never taken from a node's cache.
  const account = (res: Response) => auth.user(currentSession(res));

  // A second factor turned on or off: the sign-in goes on under a new cookie, and the old one is void.
  const renewCookie = async (res: Response) => {
    const renewed = await auth.renew(currentSession(res));
    res.setHeader('Set-Cookie', sessionCookie(renewed.token, renewed.session.expiresAt, secureCookies));
  };

  router.get('/security', async (_req, res) => {
    res.json({ ok: true, data: totp.status(await account(res)) });
  });

  router.post('/totp/setup', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await totp.setup(await account(res)) });
  });

  router.post('/totp/confirm', async (req, res) => {
    const { code } = parseInput(TotpConfirmBody, req.body, 'code');
    const recovery = await totp.confirm(await account(res), code, req.ip);
    await renewCookie(res);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: recovery });
  });

  router.post('/totp/disable', async (req, res) => {
    const { code } = parseInput(TotpDisableBody, req.body, 'code');
    const stored = await account(res);
    const wasOn = Boolean(stored.totpEnabledAt);
    const security = await totp.disable(stored, code, req.ip);
    if (wasOn) await renewCookie(res);
    res.json({ ok: true, data: security });
  });

  return router;
}
