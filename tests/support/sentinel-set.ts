import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/*
 * A small Redis Sentinel deployment on this machine, from Debian's own
 * redis-server (which runs as a sentinel with --sentinel): one primary, one
 * replica, three sentinels agreeing by a quorum of two. A failover here is
 * the real one: the sentinels notice the dead primary, elect, and promote
 * the replica.
 */

export const MASTER_NAME = 'care';
/** How long the sentinels wait before they call the primary down. */
const DOWN_AFTER_MS = 1000;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`sentinel set: ${what} not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function ask(port: number, ...command: [string, ...string[]]): Promise<unknown> {
  return askAt('127.0.0.1', port, ...command);
}

async function askAt(host: string, port: number, ...command: [string, ...string[]]): Promise<unknown> {
  const client = new Redis({ port, host, lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(...command);
  } finally {
    client.disconnect();
  }
}

/**
 * Where the set's servers are, when the primary starts on the far side of a
 * veth (a network namespace, `tests/support/network-namespace.ts`) so that a
 * cut can part it from the replica and the sentinels: it listens on
 * `primaryAddress` there; the replica and the sentinels on this side listen
 * on `hostAddress` (the veth's near end) as well as on loopback.
 */
export interface SplitSet {
  namespace: string;
  primaryAddress: string;
  hostAddress: string;
}

export class SentinelSet {
  readonly #processes = new Map<number, ChildProcess>();

  private constructor(
    private readonly dir: string,
    readonly sentinelPorts: number[],
    private readonly split?: SplitSet,
  ) {}

  /** `REDIS_SENTINELS` for a server on this set (on the host's side of a split set's veth, for a server on either side). */
  get sentinels(): string {
    return this.sentinelPorts.map((port) => `${this.split?.hostAddress ?? '127.0.0.1'}:${port}`).join(',');
  }

  static async start(split?: SplitSet): Promise<SentinelSet> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'care-sentinel-'));
    const [primary, replica, ...sentinelPorts] = await Promise.all(Array.from({ length: 5 }, freePort));
    const set = new SentinelSet(dir, sentinelPorts, split);
    const primaryHost = split?.primaryAddress ?? '127.0.0.1';
    const binding = split ? ['127.0.0.1', split.hostAddress] : ['127.0.0.1'];
    try {
      if (split) set.#spawn(primary!, ['ip', 'netns', 'exec', split.namespace, 'redis-server', ...set.#serverArgs(primary!, ['127.0.0.1', split.primaryAddress])]);
      else set.#redis(primary!, []);
      set.#redis(replica!, ['--replicaof', primaryHost, String(primary)], binding);
      await until('the replica in sync', 15_000, async () =>
        String(await ask(replica!, 'INFO', 'replication')).includes('master_link_status:up') ? true : undefined,
      );
      for (const port of sentinelPorts) {
        const file = path.join(dir, `sentinel-${port}.conf`);
        await writeFile(
          file,
          [
            `port ${port}`,
            `bind ${binding.join(' ')}`,
            ...(split ? ['protected-mode no'] : []),
            `dir ${dir}`,
            `sentinel monitor ${MASTER_NAME} ${primaryHost} ${primary} 2`,
            `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
            `sentinel failover-timeout ${MASTER_NAME} 10000`,
            `sentinel parallel-syncs ${MASTER_NAME} 1`,
            '',
          ].join('\n'),
        );
        set.#spawn(port, ['redis-server', file, '--sentinel']);
      }
      // Each sentinel knows the replica and the other sentinels before anything is asked of them.
      for (const port of sentinelPorts) {
        await until('the sentinels to know each other and the replica', 20_000, async () => {
          const replicas = (await ask(port, 'SENTINEL', 'REPLICAS', MASTER_NAME)) as unknown[];
          const others = (await ask(port, 'SENTINEL', 'SENTINELS', MASTER_NAME)) as unknown[];
          return replicas.length === 1 && others.length === sentinelPorts.length - 1 ? true : undefined;
        });
      }
      return set;
    } catch (error) {
      await set.close();
      throw error;
    }
  }

  #serverArgs(port: number, bind: string[]): string[] {
    // Protected mode takes only loopback clients while no password is set: a split set's servers talk over the veth.
    const protectedMode = this.split ? ['--protected-mode', 'no'] : [];
    return ['--port', String(port), '--bind', ...bind, ...protectedMode, '--save', '', '--appendonly', 'no', '--dir', this.dir];
  }

  #redis(port: number, extra: string[], bind = ['127.0.0.1']): void {
    this.#spawn(port, ['redis-server', ...this.#serverArgs(port, bind), ...extra]);
  }

  #spawn(port: number, [command, ...args]: string[]): void {
    const child = spawn(command!, args, { stdio: 'ignore' });
    this.#processes.set(port, child);
  }

  /** The primary as the sentinels name it now (the first sentinel's view). */
  async primary(): Promise<{ host: string; port: number }> {
    const [host, port] = (await ask(this.sentinelPorts[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [string, string];
    return { host, port: Number(port) };
  }

  /** The port of the primary as the sentinels name it now. */
  async primaryPort(): Promise<number> {
    return (await this.primary()).port;
  }

  /** Kills the primary outright (SIGKILL) and resolves with the new primary's port once the sentinels promoted it. */
  async killPrimary(): Promise<{ before: number; after: number }> {
    const before = await this.primaryPort();
    this.#processes.get(before)?.kill('SIGKILL');
    return { before, after: await this.promotedAfter(before) };
  }

  /** Resolves with the new primary's port once the sentinels promoted one other than `before` and it says it is the primary. */
  async promotedAfter(before: number, timeoutMs = 30_000): Promise<number> {
    return until('a new primary', timeoutMs, async () => {
      const { host, port } = await this.primary();
      if (port === before) return undefined;
      return String(await askAt(host, port, 'INFO', 'replication')).includes('role:master') ? port : undefined;
    });
  }

  /** What a server of the set says of its replication (`INFO replication`), asked at its address. */
  async replication(host: string, port: number): Promise<string> {
    return String(await askAt(host, port, 'INFO', 'replication'));
  }

  /** Freezes these sentinels (SIGSTOP): their connections stay open and nothing answers, as across a cut. */
  pause(ports: readonly number[]): void {
    for (const port of ports) this.#processes.get(port)?.kill('SIGSTOP');
  }

  /** Lets frozen sentinels go on (SIGCONT). */
  resume(ports: readonly number[]): void {
    for (const port of ports) this.#processes.get(port)?.kill('SIGCONT');
  }

  async close(): Promise<void> {
    this.resume(this.sentinelPorts);
    for (const child of this.#processes.values()) child.kill('SIGKILL');
    this.#processes.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}
