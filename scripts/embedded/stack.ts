// The embedded dev/test services: Redis, and FerretDB on PostgreSQL for the
// MongoDB wire. REDIS_URL / MONGODB_URI in the environment replace the embedded ones.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkFerretDbBinary, startFerretDb } from './ferretdb.ts';
import { postgresLayout, startPostgres, stopLeftoverPostgres } from './postgres.ts';
import { seconds, type Log, type RunningService } from './proc.ts';
import { startRedis } from './redis.ts';
import { killLeftover, PidRegistry, type ServiceEntry } from './registry.ts';

export interface StackOptions {
  repoDir: string;
  purpose: 'dev' | 'test';
  log?: Log;
  /** Defaults to env CARE_FERRETDB_BIN. */
  ferretdbBinary?: string;
}

export interface Stack {
  redisUrl: string;
  mongodbUri: string;
  /** Stops what this stack started, newest first. Never throws. */
  stop(): Promise<void>;
}

interface Started {
  name: ServiceEntry['name'];
  label: string;
  service: RunningService;
}

const defaultLog: Log = (line) => process.stderr.write(`${line}\n`);

export async function startStack(opts: StackOptions): Promise<Stack> {
  const log = opts.log ?? defaultLog;
  const repoDir = resolve(opts.repoDir);
  const dataDir = join(repoDir, '.data', opts.purpose);
  const test = opts.purpose === 'test';
  const envRedis = process.env.REDIS_URL;
  const envMongo = process.env.MONGODB_URI;

  // Before starting anything, so a missing binary does not cost a PostgreSQL start.
  const ferretdbBinary = envMongo ? undefined : (opts.ferretdbBinary ?? process.env.CARE_FERRETDB_BIN);
  if (!envMongo && !ferretdbBinary) {
    throw new Error(
      'no FerretDB binary: run scripts/build-ferretdb.sh and pass the path it prints as ferretdbBinary or CARE_FERRETDB_BIN ' +
        '(or set MONGODB_URI to use a running MongoDB)',
    );
  }
  if (ferretdbBinary) checkFerretDbBinary(ferretdbBinary);

  mkdirSync(dataDir, { recursive: true });
  const registry = new PidRegistry(join(dataDir, 'pids.json'));
  const pgLayout = postgresLayout({ repoDir, dataDir, instance: opts.purpose });
  for (const leftover of registry.claim(opts.purpose)) {
    // pg_ctl, not a signal: it knows the cluster and waits for a clean stop.
    if (leftover.name === 'postgres') await stopLeftoverPostgres(pgLayout, log);
    else await killLeftover(leftover, log);
  }

  const started: Started[] = [];
  let stopping: Promise<void> | undefined;
  const handle: ActiveStack = {
    stop: () => (stopping ??= stopAll(started, registry, log, () => forget(handle))),
    killNow: () => {
      for (const { service } of [...started].reverse()) {
        try {
          service.killNow();
        } catch {
          // Exiting anyway; the next start cleans up from pids.json.
        }
      }
    },
  };
  track(handle);

  const begin = async (name: Started['name'], label: string, detail: string, start: () => Promise<RunningService>): Promise<string> => {
    const t0 = Date.now();
    log(`[services] starting ${label} (${detail})`);
    const service = await start();
    started.push({ name, label, service });
    // A signal arrived while it was starting: stop() has already run.
    if (stopping) {
      await stopAll(started, registry, log, () => {});
      throw new Error(`stopped while starting ${label}`);
    }
    if (service.pid !== undefined) registry.add({ name, pid: service.pid, match: name === 'redis' ? 'redis-server' : name });
    log(`[services] ${label} ready on ${new URL(service.url).host} (${seconds(t0)})`);
    return service.url;
  };

  try {
    let redisUrl: string;
    if (envRedis) {
      log('[services] Redis: using REDIS_URL from the environment');
      redisUrl = envRedis;
    } else {
      const redisDir = join(dataDir, 'redis');
      redisUrl = await begin('redis', 'Redis', `data: ${redisDir}${test ? ', not persisted' : ''}`, () =>
        startRedis({ dataDir: redisDir, persistent: !test, log }),
      );
    }

    let mongodbUri: string;
    if (envMongo || !ferretdbBinary) {
      log('[services] MongoDB: using MONGODB_URI from the environment');
      mongodbUri = envMongo ?? '';
    } else {
      const postgresUrl = await begin('postgres', 'PostgreSQL 15', `data: ${pgLayout.data}${test ? ', no fsync' : ''}`, () =>
        startPostgres({ repoDir, dataDir, instance: opts.purpose, fast: test, log }),
      );
      const stateDir = join(dataDir, 'ferretdb');
      mongodbUri = await begin('ferretdb', 'FerretDB', `state: ${stateDir}`, () =>
        startFerretDb({ binary: ferretdbBinary, postgresUrl, stateDir, log }),
      );
    }
    return { redisUrl, mongodbUri, stop: handle.stop };
  } catch (error) {
    await handle.stop();
    throw error;
  }
}

async function stopAll(started: Started[], registry: PidRegistry, log: Log, done: () => void): Promise<void> {
  const t0 = Date.now();
  try {
    // FerretDB before PostgreSQL: it holds connections to it.
    for (const { label, service } of [...started].reverse()) {
      try {
        await service.stop();
      } catch (error) {
        log(`[services] stopping ${label} failed: ${(error as Error).message}`);
      }
    }
    started.length = 0;
    registry.release();
    log(`[services] stopped (${seconds(t0)})`);
  } catch (error) {
    log(`[services] stop failed: ${(error as Error).message}`);
  } finally {
    done();
  }
}

// One set of process handlers for every stack in this process, so that with
// two stacks (dev and test side by side) a signal still ends the process.
interface ActiveStack {
  stop(): Promise<void>;
  killNow(): void;
}

const active = new Set<ActiveStack>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let signalled = false;

const onExit = (): void => {
  for (const stack of active) stack.killNow();
};

function onSignal(signal: NodeJS.Signals): void {
  // Others listening (a server shutting down gracefully) decide when the process
  // ends; alone, we end it the way the signal would have, once services are down.
  const othersListen = (): boolean => process.listeners(signal).some((l) => l !== onSignal);
  if (signalled) {
    // A second Ctrl-C: stop waiting for graceful shutdowns.
    onExit();
    if (!othersListen()) reraise(signal);
    return;
  }
  signalled = true;
  void Promise.all([...active].map((s) => s.stop())).then(() => {
    if (!othersListen()) reraise(signal);
  });
}

function reraise(signal: NodeJS.Signals): void {
  untrack();
  process.kill(process.pid, signal);
}

function forget(stack: ActiveStack): void {
  active.delete(stack);
  if (active.size === 0) untrack();
}

function track(stack: ActiveStack): void {
  if (active.size === 0) {
    signalled = false;
    process.on('exit', onExit);
    for (const signal of SIGNALS) process.on(signal, onSignal);
  }
  active.add(stack);
}

// Leaves no handlers behind once every stack is stopped (test runners start many).
function untrack(): void {
  process.off('exit', onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
