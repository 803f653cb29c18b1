import { AcceptInviteBody, InviteParams } from '@care/shared';
import { Router } from 'express';
import type { AttemptLimiter } from '../auth/attempt-limiter.js';
import { hashInviteToken } from './invite-token.js';
import { parseInput } from '../http/validate.js';
import type { InviteService } from './invite-service.js';

/**
 * /api/invites: the invitee's side, before they have an account (so no
 * session and no CSRF token; the Origin check still holds). Every look-up
 * and acceptance is counted before it is tried (per link, and per address
 * across links), so tokens cannot be guessed at speed, in parallel or not.
 */
export function inviteRoutes(invites: InviteService, attempts: AttemptLimiter): Router {
  const router = Router();
  const guarded = <T>(token: string, address: string | undefined, work: () => Promise<T>) =>
    attempts.guard({ subject: hashInviteToken(token), address }, work);

  router.get('/:token', async (req, res) => {
    const { token } = parseInput(InviteParams, req.params, 'invite link');
    const data = await guarded(token, req.ip, () => invites.lookup(token));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data });
  });

  router.post('/accept', async (req, res) => {
    const body = parseInput(AcceptInviteBody, req.body, 'invite acceptance');
    const data = await guarded(body.token, req.ip, () => invites.accept(body));
    res.status(201).json({ ok: true, data });
  });

  return router;
}
