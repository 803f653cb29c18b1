import { AcceptInviteBody, InviteParams } from '@care/shared';
import { Router, type Request } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';
import { parseInput } from '../http/validate.js';
import type { InviteService } from './invite-service.js';

const failedInviteCodes = new Set(['invite_invalid', 'invite_expired', 'invite_used', 'invalid_payload']);

/**
 * /api/invites: the invitee's side, before they have an account (so no
 * session and no CSRF token; the Origin check still holds). Failed look-ups
 * are limited per address in Redis, so tokens cannot be guessed at speed.
 */
export function inviteRoutes(invites: InviteService, redis: Redis): Router {
  const router = Router();
  const failures = new RateLimiterRedis({ storeClient: redis, keyPrefix: 'ratelimit:invite', points: 30, duration: 900 });

  const guarded = async <T>(req: Request, work: () => Promise<T>): Promise<T> => {
    const key = req.ip ?? 'unknown';
    const record = await failures.get(key);
    if (record && record.consumedPoints >= failures.points) {
      throw new AppError('rate_limited', 'Too many tries with invite links. Please wait 15 minutes.');
    }
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError && failedInviteCodes.has(error.code)) await failures.penalty(key, 1);
      throw error;
    }
  };

  router.get('/:token', async (req, res) => {
    const data = await guarded(req, async () => invites.lookup(parseInput(InviteParams, req.params, 'invite link').token));
    res.setHeader('Cache-Control', 'no-store');
    res.json({ ok: true, data });
  });

  router.post('/accept', async (req, res) => {
    const data = await guarded(req, async () => invites.accept(parseInput(AcceptInviteBody, req.body, 'invite acceptance')));
    res.status(201).json({ ok: true, data });
  });

  return router;
}
