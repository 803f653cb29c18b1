import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import type { AuthService } from '../../auth/auth-service.js';
import { requireUser } from '../authenticate.js';
import { parseInput } from '../validate.js';

const NetworkCheckQuery = z.strictObject({
  bytes: z.coerce.number({ message: 'must be a number of bytes' }).int().min(0).max(2_000_000, 'must be at most 2000000').default(0),
});

/**
 * The pre-join network check: a tiny answer for the round trip, and random
 * bytes (incompressible, never cached) to estimate the download bandwidth.
 * Signed-in people only, at most 2 MB an answer.
 */
export function networkCheckRoutes(auth: AuthService): Router {
  const router = Router();
  router.get('/', requireUser(auth), (req, res) => {
    const { bytes } = parseInput(NetworkCheckQuery, req.query, 'network check');
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
