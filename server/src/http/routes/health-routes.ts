import { Router, type RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Database } from '../../db/database.js';

export interface HealthDeps {
  redis: Redis;
  db: Database;
  mediaWorkers: () => number;
  metrics: Registry;
  /** Who may read /metrics (`metricsAccess`). */
  metricsAccess: RequestHandler;
  /** False while the node cannot confirm its Redis primary (redis/primary-watch.ts): Redis answering is not enough then. */
  redisPrimaryConfirmed?: () => boolean;
}

/** Liveness, readiness (each dependency named), and Prometheus metrics. */
export function healthRoutes({ redis, db, mediaWorkers, metrics, metricsAccess, redisPrimaryConfirmed = () => true }: HealthDeps): Router {
  const router = Router();

  router.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });

  router.get('/readyz', async (_req, res) => {
    const [redisOk, dbOk] = await Promise.all([
      redis.ping().then(
        (pong) => pong === 'PONG',
        () => false,
      ),
      db.ping(),
    ]);
    const checks = { redis: redisOk && redisPrimaryConfirmed(), database: dbOk, media: mediaWorkers() > 0 };
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ ok: ready, checks });
  });

  router.get('/metrics', metricsAccess, async (_req, res) => {
    res.setHeader('Content-Type', metrics.contentType);
    res.send(await metrics.metrics());
  });

  return router;
}
