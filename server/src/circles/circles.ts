import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import { CircleLock } from './circle-lock.js';
import { CircleModels } from './circle-models.js';
import { CircleService, type CircleOptions } from './circle-service.js';

export interface CirclesDeps {
  db: Database;
  redis: Redis;
  log: Logger;
  options?: Partial<CircleOptions>;
}

/** Circles on the platform's database and Redis; their collections and indexes exist when this resolves. */
export async function createCircles({ db, redis, log, options = {} }: CirclesDeps): Promise<{ models: CircleModels; circles: CircleService }> {
  const models = await CircleModels.bind(db);
  const circles = new CircleService(db, models, new CircleLock(redis), log, {
    now: options.now ?? (() => new Date()),
    ...(options.onChange ? { onChange: options.onChange } : {}),
    ...(options.onCalendarChange ? { onCalendarChange: options.onCalendarChange } : {}),
  });
  return { models, circles };
}
