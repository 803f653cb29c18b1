import { TotpConfirmBody, TotpDisableBody } from '@care/shared';
import { Router } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import type { TotpService } from '../auth/totp-service.js';
import { currentAccount, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';

/**
 * /api/account: the signed-in person's own security settings. Open to a
 * person who must still enrol a second factor: this is where they do it.
 */
export function accountSecurityRoutes(auth: AuthService, totp: TotpService): Router {
  const router = Router();
  router.use(requireUser(auth, { beforeTotpEnrolment: true }));

  router.get('/security', (_req, res) => {
    res.json({ ok: true, data: totp.status(currentAccount(res)) });
  });

  router.post('/totp/setup', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await totp.setup(currentAccount(res)) });
  });

  router.post('/totp/confirm', async (req, res) => {
    const { code } = parseInput(TotpConfirmBody, req.body, 'code');
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data: await totp.confirm(currentAccount(res), code) });
  });

  router.post('/totp/disable', async (req, res) => {
    const { code } = parseInput(TotpDisableBody, req.body, 'code');
    res.json({ ok: true, data: await totp.disable(currentAccount(res), code) });
  });

  return router;
}
