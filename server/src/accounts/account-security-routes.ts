import { TotpConfirmBody, TotpDisableBody } from '@care/shared';
import { Router, type Response } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import { sessionCookie } from '../auth/session-cookie.js';
import type { TotpService } from '../auth/totp-service.js';
import { currentAccount, currentSession, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';

/**
 * /api/account: the signed-in person's own security settings. Open to a
 * person who must still enrol a second factor: this is where they do it.
 */
export function accountSecurityRoutes(auth: AuthService, totp: TotpService, secureCookies: boolean): Router {
  const router = Router();
  router.use(requireUser(auth, { beforeTotpEnrolment: true }));

  // A second factor turned on or off: the sign-in goes on under a new cookie, and the old one is void.
  const renewCookie = async (res: Response) => {
    const renewed = await auth.renew(currentSession(res));
    res.setHeader('Set-Cookie', sessionCookie(renewed.token, renewed.session.expiresAt, secureCookies));
  };

  router.get('/security', (_req, res) => {
    res.json({ ok: true, data: totp.status(currentAccount(res)) });
  });

  router.post('/totp/setup', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await totp.setup(currentAccount(res)) });
  });

  router.post('/totp/confirm', async (req, res) => {
    const { code } = parseInput(TotpConfirmBody, req.body, 'code');
    const recovery = await totp.confirm(currentAccount(res), code, req.ip);
    await renewCookie(res);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: recovery });
  });

  router.post('/totp/disable', async (req, res) => {
    const { code } = parseInput(TotpDisableBody, req.body, 'code');
    const account = currentAccount(res);
    const wasOn = Boolean(account.totpEnabledAt);
    const security = await totp.disable(account, code, req.ip);
    if (wasOn) await renewCookie(res);
    res.json({ ok: true, data: security });
  });

  return router;
}
