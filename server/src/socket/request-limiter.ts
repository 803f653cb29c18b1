import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { localBudget, sharedBudget, spend, type Budget, type BudgetLimiter } from '../limits/budget.js';
import { RefusalLog } from '../limits/refusal-log.js';
import type { RateLimitedCounter, RefusalScope } from '../metrics.js';
import { familyOf, requestBudgets, type RequestFamily } from './request-budgets.js';

/** What a refused request is told: calm, and what to do. */
export const RATE_LIMITED_MESSAGE = 'Too many requests of this kind. Please wait a moment and try again.';

/** A connection's refusals of one family are logged once a minute at most. */
const REFUSAL_LOG_WINDOW_MS = 60_000;

interface FamilyLimiters {
  perConnection: BudgetLimiter;
  perUser: BudgetLimiter;
}

/**
 * Holds the budgets of request-budgets.ts: each family's per-connection
 * budget in this node's memory, its per-person budget in Redis. A request is
 * checked against the connection's budget first, so a flood past it costs no
 * Redis call at all.
 */
export class RequestLimiter {
  readonly #families: ReadonlyMap<RequestFamily, FamilyLimiters>;

  /**
   * `scale` multiplies every budget's points (REQUEST_BUDGET_SCALE: 1 but on a benchmark's own server); `timeScale`
   * divides every window (REQUEST_BUDGET_TIME_SCALE: 1 but on a test's own server that replays honest traffic faster).
   */
  constructor(
    redis: Redis,
    private readonly refusals: RateLimitedCounter,
    scale = 1,
    timeScale = 1,
  ) {
    const scaled = ({ points, seconds }: Budget): Budget => {
      // The Redis budget keeps its window in whole seconds (rate-limiter-flexible rounds down): a fraction would change the budget.
      if (!Number.isInteger(seconds / timeScale)) throw new Error(`a budget window of ${seconds} s cannot be divided by ${timeScale}`);
      return { points: points * scale, seconds: seconds / timeScale };
    };
    this.#families = new Map(
      (Object.keys(requestBudgets) as RequestFamily[]).map((family) => [
        family,
        {
          perConnection: localBudget(scaled(requestBudgets[family].perConnection)),
          perUser: sharedBudget(redis, `request:${family}`, scaled(requestBudgets[family].perUser)),
        },
      ]),
    );
  }

  forConnection(connectionId: string, userId: string, log: Logger): ConnectionLimits {
    return new ConnectionLimits(connectionId, userId, (family) => this.#limiters(family), this.refusals, new RefusalLog(log, REFUSAL_LOG_WINDOW_MS));
  }

  #limiters(family: RequestFamily): FamilyLimiters {
    const limiters = this.#families.get(family);
    if (!limiters) throw new Error(`no budget for ${family}`);
    return limiters;
  }
}

/** One connection's view of the budgets: admits or refuses each request, counts and logs refusals. */
export class ConnectionLimits {
  constructor(
    private readonly connectionId: string,
    private readonly userId: string,
    private readonly limiters: (family: RequestFamily) => FamilyLimiters,
    private readonly refusals: RateLimitedCounter,
    private readonly log: RefusalLog,
  ) {}

  /** Spends one request of `event`'s family from this connection's and this person's budgets; false when either is spent. */
  async admit(event: string): Promise<boolean> {
    return (await this.admitConnection(event)) && this.admitPerson(event);
  }

  /** This connection's budget alone (this node's memory, no Redis call): the first half of `admit`. */
  async admitConnection(event: string): Promise<boolean> {
    const family = familyOf(event);
    return (await spend(this.limiters(family).perConnection, this.connectionId)) || this.#refused(family, event, 'connection');
  }

  /** This person's budget alone (Redis, every node's): the second half of `admit`, after `admitConnection`. */
  async admitPerson(event: string): Promise<boolean> {
    const family = familyOf(event);
    return (await spend(this.limiters(family).perUser, this.userId)) || this.#refused(family, event, 'user');
  }

  /** A service refused `event` at a fixed limit (a second transport, a second producer): counted and logged like the rest. */
  limitReached(event: string): void {
    this.#refused(familyOf(event), event, 'limit');
  }

  /** The connection is gone: its budgets in memory go with it. */
  close(): void {
    for (const family of Object.keys(requestBudgets) as RequestFamily[]) {
      void this.limiters(family).perConnection.delete(this.connectionId);
    }
  }

  #refused(family: RequestFamily, event: string, scope: RefusalScope): false {
    this.refusals.inc({ family, scope });
    // An unknown event's name is the client's own text: not for the logs.
    this.log.refused(`${family}:${scope}`, { family, event: family === 'unknown' ? undefined : event, scope }, 'requests refused: over budget');
    return false;
  }
}
