// FerretDB v1: the MongoDB-wire server, storing into the PostgreSQL started before it.
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  canConnect,
  exitReason,
  freePorts,
  killServiceNow,
  logTail,
  spawnService,
  stopService,
  waitUntilReady,
  withPortRetry,
  type ExitInfo,
  type Log,
  type RunningService,
} from './proc.ts';

export interface FerretDbOptions {
  /** Built by scripts/build-ferretdb.sh, which prints its path. */
  binary: string;
  postgresUrl: string;
  stateDir: string;
  log: Log;
}

export function checkFerretDbBinary(binary: string): void {
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    throw new Error(`FerretDB binary ${binary} is missing or not executable; build it with scripts/build-ferretdb.sh`);
  }
}

export async function startFerretDb(opts: FerretDbOptions): Promise<RunningService> {
  checkFerretDbBinary(opts.binary);
  mkdirSync(opts.stateDir, { recursive: true });
  return withPortRetry(() => startOnce(opts), opts.log, 'FerretDB');
}

async function startOnce(opts: FerretDbOptions): Promise<RunningService> {
  const [port, debugPort] = (await freePorts(2)) as [number, number];
  const logFile = join(opts.stateDir, 'ferretdb.log');
  const service = spawnService(
    opts.binary,
    [
      '--handler=postgresql',
      `--postgresql-url=${opts.postgresUrl}`,
      `--listen-addr=127.0.0.1:${port}`,
      `--state-dir=${opts.stateDir}`,
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--telemetry=disable',
      '--log-level=warn',
    ],
    logFile,
    opts.stateDir,
  );
  let exit: ExitInfo | undefined;
  void service.exited.then((info) => (exit = info));
  const url = `mongodb://127.0.0.1:${port}/`;
  try {
    await waitUntilReady({
      what: `FerretDB on 127.0.0.1:${port}`,
      timeoutMs: 20_000,
      // An open port alone is not enough: the ping must go through the wire protocol.
      probe: async () => ((await canConnect(port)) ? answersPing(url) : 'port not open yet'),
      exitedEarly: () => exitReason(service, exit),
      tail: () => logTail(logFile),
    });
  } catch (error) {
    await stopService(service, 2000);
    throw error;
  }
  return {
    url,
    pid: service.child.pid,
    stop: () => stopService(service, 5000),
    killNow: () => killServiceNow(service),
  };
}

async function answersPing(url: string): Promise<true | string> {
  // Loaded only when FerretDB is started: mongoose takes a moment to import.
  const { default: mongoose } = await import('mongoose');
  const connection = mongoose.createConnection(url, { serverSelectionTimeoutMS: 2000 });
  // Failures surface through the awaited promise; without a listener they would also be thrown as 'error' events.
  connection.on('error', () => {});
  try {
    await connection.asPromise();
    if (!connection.db) return 'connected without a database handle';
    // FerretDB answers ping only once it reaches PostgreSQL (it checks the backend's status).
    await connection.db.admin().ping();
    return true;
  } catch (error) {
    return `ping failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    await connection.close().catch(() => {});
  }
}
