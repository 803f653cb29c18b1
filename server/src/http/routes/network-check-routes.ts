import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { AuthService } from '../../auth/auth-service.js';
import { AppError } from '../../errors.js';
import { sharedBudget, spend, type Budget } from '../../limits/budget.js';
import { RefusalLog } from '../../limits/refusal-log.js';
import type { RateLimitedCounter } from '../../metrics.js';
import { currentUser, requireUser } from '../authenticate.js';
import { parseInput } from '../validate.js';

const NetworkCheckQuery = z.strictObject({
  bytes: z.coerce.number({ message: 'must be a number of bytes' }).int().min(0).max(2_000_000, 'must be at most 2000000').default(0),
});

/** Each person's network checks, in points: a round trip costs 1, a download 1 more per started 100 kB. */
export const NETWORK_CHECK_BUDGET: Budget = { points: 100, seconds: 600 };
const DOWNLOAD_POINT_BYTES = 100_000;

/**
 * What one request costs. The web app's check is five round trips and one
 * 600 kB download, 12 points, so eight checks fit in ten minutes; the most
 * anyone can draw is about 9 MB per ten minutes.
 */
export function networkCheckCost(bytes: number): number {
  return 1 + Math.ceil(bytes / DOWNLOAD_POINT_BYTES);
}

export interface NetworkCheckDeps {
  auth: AuthService;
  redis: Redis;
  refusals: RateLimitedCounter;
  log: Logger;
}

/**
 * The pre-join network check: a tiny answer for the round trip, and random
 * bytes (incompressible, never cached) to estimate the download bandwidth.
 * Signed-in people only, at most 2 MB an answer, within each person's budget
 * (shared by every node; 429 `rate_limited` past it).
 */
export function networkCheckRoutes({ auth, redis, refusals, log }: NetworkCheckDeps): Router {
  const budget = sharedBudget(redis, 'network-check', NETWORK_CHECK_BUDGET);
  const refusalLog = new RefusalLog(log, 60_000);
  const router = Router();
  router.get('/', requireUser(auth), async (req, res) => {
    const { bytes } = parseInput(NetworkCheckQuery, req.query, 'network check');
    const userId = currentUser(res).id;
    if (!(await spend(budget, userId, networkCheckCost(bytes)))) {
      refusals.inc({ family: 'network_check', scope: 'user' });
      refusalLog.refused(userId, { userId }, 'network check refused: over budget');
      throw new AppError('rate_limited', 'The connection was checked many times just now. Please wait a few minutes and try again.');
    }
    res.setHeader('Cache-Control', 'no-store');
    if (bytes === 0) {
      res.json({ ok: true, data: { at: Date.now() } });
      return;
    }
    res.setHeader('Content-Type', 'application/octet-stream');
    res.send(randomBytes(bytes));
  });
  return router;
}
