import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/*
 * Whether the primary this node writes to is still the primary (issue 14,
 * fault 3b). ioredis asks the sentinels for the primary only when it
 * (re)connects. A network cut that leaves this node on the side of the old
 * primary, away from the sentinels, breaks nothing it can see: the old
 * primary keeps answering, while the sentinels promote the replica on the
 * other side. Everything the node writes there from then on is lost when the
 * old primary rejoins as a replica (presence, lobby, room state), and its
 * people are cut off from everyone on the other nodes.
 *
 * So the node asks every sentinel, a few times a lease, which primary they
 * name. While its connection is up, a majority must answer; after a lease
 * without hearing one, the node stops serving (`onLost`), until a majority
 * names the server its connection is on (`onRegained`). Stopping before a new
 * primary can exist needs the lease shorter than the sentinels'
 * down-after-milliseconds. When a majority names another server (the node
 * is on the majority side of a cut and its connection hangs on the old
 * primary, or the old primary came back), every connection of the node is
 * made to find the primary again (`onMoved`).
 */

export interface ServerAddress {
  host: string;
  port: number;
}

/** What one round of asking says. */
export type PrimaryVerdict =
  /** A majority names the server this node's connection is on. */
  | 'confirmed'
  /** A majority names another server. */
  | 'moved'
  /** Fewer than a majority answered: this node may be cut off with its primary. */
  | 'unheard'
  /** A majority answered but does not agree yet (a moment after a failover): nothing to act on. */
  | 'undecided'
  /** The node has no connection up: it cannot write anywhere, so there is nothing to confirm. */
  | 'idle';

const key = (address: ServerAddress) => `${address.host.replace(/^::ffff:/, '')}:${address.port}`;

/** The verdict of one round: what each sentinel named (undefined: no answer) against where the node's connection is. */
export function judgePrimary(named: ReadonlyArray<ServerAddress | undefined>, current: ServerAddress | undefined): PrimaryVerdict {
  if (!current) return 'idle';
  const majority = Math.floor(named.length / 2) + 1;
  if (named.filter(Boolean).length < majority) return 'unheard';
  const counts = new Map<string, number>();
  for (const address of named) if (address) counts.set(key(address), (counts.get(key(address)) ?? 0) + 1);
  const chosen = [...counts].find(([, count]) => count >= majority)?.[0];
  if (chosen === undefined) return 'undecided';
  return chosen === key(current) ? 'confirmed' : 'moved';
}

export interface LeaseState {
  /** Since when the node's connection has been up with no majority of the sentinels heard. */
  unheardSince?: number;
  /** Since when a majority has named another server than the one the node is on. */
  movedSince?: number;
  serving: boolean;
}

export type LeaseAction = 'stop' | 'resume' | 'refind';

/**
 * The next state after a verdict, and what the node must do. Only a node
 * that cannot hear a majority stops serving: one that hears them name
 * another server is on the side that chose it, and goes there once two
 * rounds in a row said so. A sentinel names a promoted replica only once it
 * has seen it answer as a primary, so a majority naming it is the failover
 * done, not a step of it; the second round is against one stray answer.
 * Waiting a whole lease here (as this once did) kept every node of the
 * majority side writing into a dead link for that long after the failover.
 */
export function nextLease(state: LeaseState, verdict: PrimaryVerdict, now: number, leaseMs: number): { state: LeaseState; actions: LeaseAction[] } {
  switch (verdict) {
    case 'confirmed':
      return { state: { serving: true }, actions: state.serving ? [] : ['resume'] };
    case 'idle':
    case 'undecided':
      return { state: { serving: state.serving }, actions: [] };
    case 'unheard': {
      const since = state.unheardSince ?? now;
      const stop = state.serving && now - since >= leaseMs;
      return { state: { unheardSince: since, serving: state.serving && !stop }, actions: stop ? ['stop'] : [] };
    }
    case 'moved':
      // Any other verdict drops movedSince, so its presence says the round before was 'moved' too.
      if (state.movedSince === undefined) return { state: { movedSince: now, serving: state.serving }, actions: [] };
      return { state: { serving: state.serving }, actions: ['refind'] };
  }
}

export interface PrimaryWatchOptions {
  sentinels: ReadonlyArray<ServerAddress>;
  masterName: string;
  leaseMs: number;
  /** Where the node's main connection is now (undefined while it is not up). */
  current: () => ServerAddress | undefined;
  onLost: () => void;
  onRegained: () => void;
  onMoved: () => void;
  log: Logger;
}

export class PrimaryWatch {
  readonly #clients: Array<Redis | undefined>;
  readonly #timer: NodeJS.Timeout;
  readonly #roundMs: number;
  /** How long one sentinel may take to answer (a round that is still asking when the next is due lets it pass). */
  readonly #answerMs: number;
  #state: LeaseState = { serving: true };
  #asking = false;

  private constructor(private readonly options: PrimaryWatchOptions) {
    this.#clients = options.sentinels.map(() => undefined);
    // A few rounds per lease; an answer may take longer than a round on a busy machine (never a stop for that alone).
    this.#roundMs = Math.min(1000, Math.max(100, Math.floor(options.leaseMs / 4)));
    this.#answerMs = Math.max(500, this.#roundMs);
    this.#timer = setInterval(() => void this.#round(), this.#roundMs);
    this.#timer.unref();
  }

  static start(options: PrimaryWatchOptions): PrimaryWatch {
    return new PrimaryWatch(options);
  }

  /** Whether the node may serve: its primary was confirmed within the lease (or it has no connection to confirm). */
  get serving(): boolean {
    return this.#state.serving;
  }

  async #round(): Promise<void> {
    if (this.#asking) return;
    this.#asking = true;
    try {
      const named = await Promise.all(this.options.sentinels.map((_, index) => this.#ask(index)));
      const verdict = judgePrimary(named, this.options.current());
      const { state, actions } = nextLease(this.#state, verdict, Date.now(), this.options.leaseMs);
      this.#state = state;
      for (const action of actions) this.#act(action);
    } finally {
      this.#asking = false;
    }
  }

  #act(action: LeaseAction): void {
    switch (action) {
      case 'stop':
        this.options.log.warn({ leaseMs: this.options.leaseMs }, 'redis primary not confirmed by a majority of sentinels: this node stops serving');
        this.options.onLost();
        return;
      case 'resume':
        this.options.log.info('redis primary confirmed by a majority of sentinels again: this node serves');
        this.options.onRegained();
        return;
      case 'refind':
        this.options.log.warn('the sentinels name another redis primary: reconnecting');
        this.options.onMoved();
        return;
    }
  }

  /** One sentinel's answer, or undefined if it gives none within the round. */
  async #ask(index: number): Promise<ServerAddress | undefined> {
    const sentinel = this.options.sentinels[index]!;
    let client = this.#clients[index];
    if (!client) {
      client = new Redis({
        host: sentinel.host,
        port: sentinel.port,
        lazyConnect: true,
        connectTimeout: this.#answerMs,
        commandTimeout: this.#answerMs,
        maxRetriesPerRequest: 0,
        enableOfflineQueue: false,
        enableReadyCheck: false,
        // This watch reconnects on its own next round.
        retryStrategy: () => null,
        connectionName: 'care-primary-watch',
      });
      client.on('error', () => undefined);
      this.#clients[index] = client;
    }
    try {
      if (client.status === 'wait') await client.connect();
      const reply = await client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.options.masterName);
      if (!Array.isArray(reply) || reply.length !== 2) return undefined;
      const port = Number(reply[1]);
      return typeof reply[0] === 'string' && Number.isInteger(port) ? { host: reply[0], port } : undefined;
    } catch {
      // A silent link leaves the connection open and stuck: start a fresh one next round.
      client.disconnect();
      this.#clients[index] = undefined;
      return undefined;
    }
  }

  close(): void {
    clearInterval(this.#timer);
    for (const client of this.#clients) client?.disconnect();
  }
}
