import { Router } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import { AppError } from '../errors.js';
import { currentUser, requireUser } from '../http/authenticate.js';

/**
 * /api/dev/demo-device, mounted only when the demo is seeded (SEED_DEMO,
 * which production refuses): tells an ASN's page that it may fill this
 * device with the demo's sample plan and check-in history. Those live only
 * in a browser (issue 13), so no server seed can hold them; the samples
 * themselves are in the web app (`#lib/demo/device-samples.ts`), and nothing
 * of them comes from or goes to the server.
 */
export function demoDeviceRoutes(auth: AuthService): Router {
  const router = Router();
  router.use(requireUser(auth));
  router.get('/', (_req, res) => {
    if (currentUser(res).role !== 'asn') throw new AppError('forbidden', 'The demo samples are for an ASN account.');
    res.json({ ok: true, data: { samples: true } });
  });
  return router;
}
