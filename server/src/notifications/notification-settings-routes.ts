import { NotificationSettingsBody } from '@care/shared';
import { Router } from 'express';
import type { AuthService } from '../auth/auth-service.js';
import { currentUser, requireUser } from '../http/authenticate.js';
import { parseInput } from '../http/validate.js';
import type { NotificationPreferences } from './notification-preferences.js';

/** /api/account/notifications: the signed-in person's own choice of email and reminders. */
export function notificationSettingsRoutes(auth: AuthService, preferences: NotificationPreferences): Router {
  const router = Router();
  router.use(requireUser(auth));

  router.get('/', async (_req, res) => {
    res.json({ ok: true, data: await preferences.get(currentUser(res).id) });
  });

  router.put('/', async (req, res) => {
    const body = parseInput(NotificationSettingsBody, req.body, 'body');
    res.json({ ok: true, data: await preferences.set(currentUser(res).id, body) });
  });

  return router;
}
