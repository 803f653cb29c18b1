import { SessionParams } from '@care/shared';
import { Router } from 'express';
import type { AuthService } from '../../auth/auth-service.js';
import type { SessionDirectory } from '../../sessions/session-directory.js';
import { currentUser, requireUser } from '../authenticate.js';
import { parseInput } from '../validate.js';

/** A session (1:1 or circle meeting) as the person entering it needs to know it. */
export function sessionRoutes(auth: AuthService, sessions: SessionDirectory): Router {
  const router = Router();
  router.use(requireUser(auth));

  router.get('/:sessionId', async (req, res) => {
    const { sessionId } = parseInput(SessionParams, req.params, 'session id');
    const user = currentUser(res);
    res.json({ ok: true, data: sessions.view(await sessions.resolve(sessionId, user), user) });
  });

  return router;
}
