import { Router } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import { currentUser, requireUser } from '../http/authenticate.js';
import type { DevOutbox } from './dev-outbox.js';

/**
 * /api/dev/outbox (development, no SMTP_URL): the signed-in person's own
 * messages, like an inbox. Anyone signed in, but only their own: the demo
 * needs no admin to follow an invitation, and no one reads another's mail,
 * even in development.
 */
export function devOutboxRoutes(auth: AuthService, outbox: DevOutbox): Router {
  const router = Router();
  router.use(requireUser(auth));
  router.get('/', async (_req, res) => {
    res.json({ ok: true, data: await outbox.list(currentUser(res).id) });
  });
  return router;
}
