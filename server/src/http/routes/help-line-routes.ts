import type { HelpLine } from '@care/shared';
import { Router } from 'express';

/** The crisis lines, for every page, signed in or not: help must never wait for a login. */
export function helpLineRoutes(lines: HelpLine[]): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json({ ok: true, data: lines });
  });
  return router;
}
