import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * A budget of requests: at most `points` in a window of `seconds` that
 * starts with the first one; when the window ends the whole budget is back.
 * A burst of `points` is allowed, and `points / seconds` on average.
 */
export interface Budget {
  readonly points: number;
  readonly seconds: number;
}

/** What a budget is counted against: this node's memory, or Redis for every node. */
export type BudgetLimiter = RateLimiterAbstract;

/** A budget kept in this node's memory (per connection: a connection lives on one node). */
export function localBudget(budget: Budget): BudgetLimiter {
  return new RateLimiterMemory({ points: budget.points, duration: budget.seconds });
}

/**
 * A budget shared by every node, in Redis under `limit:<name>:<key>`: the
 * count and its expiry move in one atomic script (rate-limiter-flexible's),
 * so requests arriving together on several nodes cannot all pass. Should
 * Redis fail, each node goes on counting in memory rather than letting
 * everything through or refusing everyone.
 */
export function sharedBudget(redis: Redis, name: string, budget: Budget): BudgetLimiter {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: `limit:${name}`,
    points: budget.points,
    duration: budget.seconds,
    insuranceLimiter: localBudget(budget),
  });
}

/** Spends `points` of `key`'s budget; false when that would go over it. */
export async function spend(limiter: BudgetLimiter, key: string, points = 1): Promise<boolean> {
  try {
    await limiter.consume(key, points);
    return true;
  } catch (error) {
    if (error instanceof RateLimiterRes) return false;
    throw error;
  }
}
