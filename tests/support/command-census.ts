import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { mongo } from 'mongoose';

/** Where a command went. */
export type CommandStore = 'db' | 'redis';

/** What one HTTP request cost, by the commands the process sent on its behalf. */
export interface RequestTally {
  method: string;
  url: string;
  status: number | null;
  /** Commands sent between the request's arrival and its answer: what the person waits for. */
  onPath: Record<CommandStore, string[]>;
  /** Commands sent after the answer by work the request started (invitations, live pushes). */
  afterAnswer: Record<CommandStore, string[]>;
  /** Of those, how many went while other requests were still waiting for their answers: work that competed with them. */
  competing: number;
}

/** ioredis (>= 6) publishes each command it writes on this tracing channel, in the caller's async context. */
const REDIS_COMMAND_START = 'tracing:ioredis:command:start';

/**
 * Counts, per HTTP request, the database and Redis commands a process really
 * sends: the MongoDB driver's command monitoring (`commandStarted`, needs
 * `monitorCommands: true` on the client) and ioredis's `ioredis:command`
 * tracing channel. Each command is attributed to the request in whose async
 * context it was issued (AsyncLocalStorage entered around the request's
 * handler), and counted as on the request path until the handler calls
 * `res.end`, after that as background work the request started. Commands
 * issued outside any request (schedulers, the Socket.IO adapter's own
 * traffic) are counted apart, so a test can see that nothing went missing.
 */
export class CommandCensus {
  readonly #context = new AsyncLocalStorage<{ tally: RequestTally; answered: boolean }>();
  readonly #tallies: RequestTally[] = [];
  readonly #unattributed: Record<CommandStore, number> = { db: 0, redis: 0 };
  /** Requests in this census not yet answered. */
  #waiting = 0;
  readonly #onRedis = (message: unknown) => this.#count('redis', (message as { command?: string }).command ?? '?');
  readonly #onDb = (event: mongo.CommandStartedEvent) => this.#count('db', event.commandName);

  constructor(private readonly mongo: mongo.MongoClient) {
    diagnostics.subscribe(REDIS_COMMAND_START, this.#onRedis);
    mongo.on('commandStarted', this.#onDb);
  }

  /** Serves `handle` inside a tally of its own; fits `PlatformOverrides.aroundRequest` and a bare `node:http` server alike. */
  readonly around = (req: IncomingMessage, res: ServerResponse, handle: () => void): void => {
    const tally: RequestTally = {
      method: req.method ?? '?',
      url: req.url ?? '?',
      status: null,
      onPath: { db: [], redis: [] },
      afterAnswer: { db: [], redis: [] },
      competing: 0,
    };
    const state = { tally, answered: false };
    this.#tallies.push(tally);
    this.#waiting += 1;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    // The answer leaves with `end`: whatever is sent after it, the person no longer waits for.
    res.end = ((...args: unknown[]) => {
      if (!state.answered) {
        state.answered = true;
        tally.status = res.statusCode;
        this.#waiting -= 1;
      }
      return end(...args);
    }) as ServerResponse['end'];
    this.#context.run(state, handle);
  };

  /** The tallies of requests seen since the last call, and the commands no request issued. */
  take(): { tallies: RequestTally[]; unattributed: Record<CommandStore, number> } {
    const taken = { tallies: this.#tallies.splice(0), unattributed: { ...this.#unattributed } };
    this.#unattributed.db = 0;
    this.#unattributed.redis = 0;
    return taken;
  }

  close(): void {
    diagnostics.unsubscribe(REDIS_COMMAND_START, this.#onRedis);
    this.mongo.off('commandStarted', this.#onDb);
  }

  #count(store: CommandStore, name: string): void {
    const state = this.#context.getStore();
    if (!state) {
      this.#unattributed[store] += 1;
      return;
    }
    (state.answered ? state.tally.afterAnswer : state.tally.onPath)[store].push(name);
    if (state.answered && this.#waiting > 0) state.tally.competing += 1;
  }
}

/** Commands of one kind in a tally, both stores together. */
export function commandCount(tally: RequestTally, when: 'onPath' | 'afterAnswer'): number {
  return tally[when].db.length + tally[when].redis.length;
}
