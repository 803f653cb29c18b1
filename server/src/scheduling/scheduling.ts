import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AccountCache } from '../auth/account-cache.js';
import type { Database } from '../db/database.js';
import type { CacheInvalidations } from '../node-cache/cache-invalidations.js';
import { AllowanceSeats } from './allowance-seats.js';
import { AvailabilityService } from './availability-service.js';
import { BookingChangeLock } from './booking-change-lock.js';
import { BookingService, type BookingOptions } from './booking-service.js';
import { DaySeats } from './day-seats.js';
import { SchedulingModels } from './scheduling-models.js';

export interface Scheduling {
  availability: AvailabilityService;
  bookings: BookingService;
  allowance: AllowanceSeats;
  models: SchedulingModels;
}

export interface SchedulingDeps {
  db: Database;
  redis: Redis;
  log: Logger;
  /** Counselors' accounts (bookable or not, their names) from this node's cache, and the feed that keeps the rules current. */
  accounts: AccountCache;
  invalidations: CacheInvalidations;
  options?: Partial<BookingOptions>;
  /** Sessions per person per programme year before any grant (default DEFAULT_ALLOWANCE_PER_YEAR). */
  allowancePerYear?: number;
}

export const DEFAULT_CHANGE_CUTOFF_HOURS = 24;
export const DEFAULT_ALLOWANCE_PER_YEAR = 8;

/** Availability and 1:1 booking on the platform's database and Redis; their collections and indexes exist when this resolves. */
export async function createScheduling({ db, redis, log, accounts, invalidations, options = {}, allowancePerYear }: SchedulingDeps): Promise<Scheduling> {
  const models = await SchedulingModels.bind(db);
  const now = options.now ?? (() => new Date());
  const availability = new AvailabilityService(db, models, accounts, invalidations, now);
  const daySeats = new DaySeats(models.daySeats, db, log, now);
  const allowance = new AllowanceSeats(models.allowanceSeats, models.allowanceGrants, db, log, {
    perYear: allowancePerYear ?? DEFAULT_ALLOWANCE_PER_YEAR,
    now,
  });
  const bookings = new BookingService(db, models, availability, accounts, new BookingChangeLock(redis), { day: daySeats, allowance }, log, {
    changeCutoffHours: options.changeCutoffHours ?? DEFAULT_CHANGE_CUTOFF_HOURS,
    now,
    ...(options.onChange ? { onChange: options.onChange } : {}),
  });
  return { availability, bookings, allowance, models };
}
