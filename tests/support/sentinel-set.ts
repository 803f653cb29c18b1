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
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1000, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.call(...command);
  } finally {
    client.disconnect();
  }
}

export class SentinelSet {
  readonly #processes = new Map<number, ChildProcess>();

  private constructor(
    private readonly dir: string,
    readonly sentinelPorts: number[],
  ) {}

  /** `REDIS_SENTINELS` for a server on this set. */
  get sentinels(): string {
    return this.sentinelPorts.map((port) => `127.0.0.1:${port}`).join(',');
  }

  static async start(): Promise<SentinelSet> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'care-sentinel-'));
    const [primary, replica, ...sentinelPorts] = await Promise.all(Array.from({ length: 5 }, freePort));
    const set = new SentinelSet(dir, sentinelPorts);
    try {
      set.#redis(primary!, []);
      set.#redis(replica!, ['--replicaof', '127.0.0.1', String(primary)]);
      await until('the replica in sync', 15_000, async () =>
        String(await ask(replica!, 'INFO', 'replication')).includes('master_link_status:up') ? true : undefined,
      );
      for (const port of sentinelPorts) {
        const file = path.join(dir, `sentinel-${port}.conf`);
        await writeFile(
          file,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${primary} 2`,
            `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
            `sentinel failover-timeout ${MASTER_NAME} 10000`,
            `sentinel parallel-syncs ${MASTER_NAME} 1`,
            '',
          ].join('\n'),
        );
        set.#spawn(port, [file, '--sentinel']);
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

  #redis(port: number, extra: string[]): void {
    this.#spawn(port, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', this.dir, ...extra]);
  }

  #spawn(port: number, args: string[]): void {
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.#processes.set(port, child);
  }

  /** The port of the primary as the sentinels name it now. */
  async primaryPort(): Promise<number> {
    const [, port] = (await ask(this.sentinelPorts[0]!, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)) as [string, string];
    return Number(port);
  }

  /** Kills the primary outright (SIGKILL) and resolves with the new primary's port once the sentinels promoted it. */
  async killPrimary(): Promise<{ before: number; after: number }> {
    const before = await this.primaryPort();
    this.#processes.get(before)?.kill('SIGKILL');
    const after = await until('a new primary', 30_000, async () => {
      const port = await this.primaryPort();
      if (port === before) return undefined;
      return String(await ask(port, 'INFO', 'replication')).includes('role:master') ? port : undefined;
    });
    return { before, after };
  }

  async close(): Promise<void> {
    for (const child of this.#processes.values()) child.kill('SIGKILL');
    this.#processes.clear();
    await rm(this.dir, { recursive: true, force: true });
  }
}
