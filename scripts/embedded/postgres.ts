// Debian's PostgreSQL 15 as FerretDB's backend: own cluster, own loopback port.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, readlinkSync, realpathSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cmdlineOf,
  fileSize,
  freePorts,
  isAlive,
  logTail,
  runCommand,
  withPortRetry,
  type Log,
  type RunningService,
} from './proc.ts';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const pgTool = (name: string): string => join(PG_BIN, name);

export interface PostgresOptions {
  repoDir: string;
  /** The purpose's data folder, `<repo>/.data/<purpose>`; holds the cluster when not root. */
  dataDir: string;
  /** Separates clusters of one repo that run side by side ('dev', 'test'). */
  instance: string;
  /** Tests: no fsync, no synchronous commit. Data may be lost on a machine crash. */
  fast: boolean;
  log: Log;
}

export interface PostgresLayout {
  /** Folder the cluster's user owns: data, socket dir and log live in it. */
  base: string;
  data: string;
  socketDir: string;
  logFile: string;
  /** Set when we are root: initdb refuses root, so cluster commands run as this user. */
  runAs: string | undefined;
}

const isRoot = (): boolean => process.getuid?.() === 0;

export function postgresLayout(opts: Pick<PostgresOptions, 'repoDir' | 'dataDir' | 'instance'>): PostgresLayout {
  // As root the repo may sit in a 0700 folder (mktemp -d) that postgres cannot
  // traverse, so the cluster lives under postgres's home, keyed by the repo path.
  const base = isRoot()
    ? join('/var/lib/postgresql/care-asn', repoKey(opts.repoDir), opts.instance)
    : join(opts.dataDir, 'pg');
  return {
    base,
    data: join(base, 'data'),
    socketDir: join(base, 'run'),
    logFile: join(base, 'postgres.log'),
    runAs: isRoot() ? 'postgres' : undefined,
  };
}

const repoKey = (repoDir: string): string => createHash('sha256').update(repoDir).digest('hex').slice(0, 12);

function checkInstalled(): void {
  for (const tool of ['initdb', 'pg_ctl', 'postgres', 'psql', 'createdb']) {
    if (!existsSync(pgTool(tool))) {
      throw new Error(`PostgreSQL 15 not found (${pgTool(tool)} missing); install it: apt-get install -y postgresql`);
    }
  }
}

/** Command line that runs a cluster tool as the cluster's owner. */
function asOwner(layout: PostgresLayout, tool: string, args: string[]): [string, string[]] {
  return layout.runAs ? ['/usr/sbin/runuser', ['-u', layout.runAs, '--', pgTool(tool), ...args]] : [pgTool(tool), args];
}

// Our own PG* variables (PGDATA, PGPORT, ...) must not steer the tools.
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('PG')));
}

function runAsOwner(layout: PostgresLayout, tool: string, args: string[], timeoutMs = 60_000): ReturnType<typeof runCommand> {
  const [command, fullArgs] = asOwner(layout, tool, args);
  // cwd: a folder the owner can enter; detached: the postmaster pg_ctl leaves
  // behind must not share our process group (a terminal Ctrl-C would reach it).
  return runCommand(command, fullArgs, { cwd: layout.base, env: cleanEnv(), timeoutMs, detached: true });
}

function prepareBase(layout: PostgresLayout, repoDir: string): void {
  if (!layout.runAs) {
    mkdirSync(layout.base, { recursive: true });
    return;
  }
  const owner = lookupUser(layout.runAs);
  const top = '/var/lib/postgresql/care-asn';
  const repoFolder = join(layout.base, '..');
  for (const dir of [top, repoFolder, layout.base]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chownSync(dir, owner.uid, owner.gid);
  }
  // Says which checkout a hash folder belongs to, for whoever cleans up.
  writeFileSync(join(repoFolder, 'repo.txt'), `${repoDir}\n`);
}

function lookupUser(name: string): { uid: number; gid: number } {
  const id = (flag: string): number => {
    const result = spawnSync('id', [flag, name], { encoding: 'utf8' });
    const value = Number(result.stdout.trim());
    if (result.status !== 0 || !Number.isInteger(value)) {
      throw new Error(`user ${name} not found; it comes with Debian's PostgreSQL: apt-get install -y postgresql`);
    }
    return value;
  };
  return { uid: id('-u'), gid: id('-g') };
}

function postmasterPid(data: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The postmaster of this very cluster: after a reboot the pid may belong to anything, even another cluster. */
function servesCluster(pid: number, data: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    // The postmaster works in its data directory.
    if (readlinkSync(`/proc/${pid}/cwd`) === realpathSync(data)) return true;
  } catch {
    // Not ours to inspect, or gone: fall back to its command line.
  }
  const cmdline = cmdlineOf(pid);
  return cmdline.includes('postgres') && cmdline.includes(data);
}

/**
 * A crashed parent leaves its postmaster running (pg_ctl detaches it), holding
 * the cluster; stop it, or drop the pid file of one that is gone. Never throws.
 */
export async function stopLeftoverPostgres(layout: PostgresLayout, log: Log): Promise<void> {
  const pidFile = join(layout.data, 'postmaster.pid');
  const pid = postmasterPid(layout.data);
  if (pid === undefined) return;
  if (servesCluster(pid, layout.data)) {
    log(`[services] stopping leftover PostgreSQL (pid ${pid}) from a previous run`);
    for (const mode of ['fast', 'immediate']) {
      try {
        await runAsOwner(layout, 'pg_ctl', ['stop', '-D', layout.data, '-m', mode, '-w', '-t', '15']);
        break;
      } catch (error) {
        log(`[services] pg_ctl stop -m ${mode} failed: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  }
  // Only when its process is gone: postgres would take a reused pid for a live server.
  if (existsSync(pidFile) && !servesCluster(pid, layout.data)) rmSync(pidFile, { force: true });
}

const shellQuote = (value: string): string => `'${value.replaceAll("'", `'\\''`)}'`;

export async function startPostgres(opts: PostgresOptions): Promise<RunningService> {
  checkInstalled();
  const layout = postgresLayout(opts);
  prepareBase(layout, opts.repoDir);
  await stopLeftoverPostgres(layout, opts.log);

  if (!existsSync(join(layout.data, 'PG_VERSION'))) {
    opts.log(`[services] creating PostgreSQL cluster in ${layout.data}`);
    await runAsOwner(layout, 'initdb', [
      '-D', layout.data,
      '-U', 'postgres',
      // Trust is for this loopback-only dev/test cluster; production uses MongoDB via MONGODB_URI.
      '-A', 'trust', '--auth-host=trust', '--auth-local=trust',
      '-E', 'UTF8',
      // C collation: byte order, as MongoDB compares strings; and no dependence on installed locales.
      '--no-locale',
      '--no-instructions',
      ...(opts.fast ? ['--no-sync'] : []),
    ]);
  }
  // pg_ctl appends to its log; keep it from growing without bound.
  if (fileSize(layout.logFile) > 4 << 20) truncateSync(layout.logFile, 0);

  const port = await withPortRetry(() => startServer(layout, opts.fast), opts.log, 'PostgreSQL');
  await ensureDatabase(port, 'ferretdb');

  const stop = async (): Promise<void> => {
    await runAsOwner(layout, 'pg_ctl', ['stop', '-D', layout.data, '-m', 'fast', '-w', '-t', '30']);
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/ferretdb`,
    pid: postmasterPid(layout.data),
    stop,
    killNow: () => {
      // A clean fast shutdown takes well under a second with no clients left.
      const [command, args] = asOwner(layout, 'pg_ctl', ['stop', '-D', layout.data, '-m', 'fast', '-w', '-t', '10']);
      spawnSync(command, args, { cwd: layout.base, env: cleanEnv(), stdio: 'ignore', timeout: 15_000 });
    },
  };
}

async function startServer(layout: PostgresLayout, fast: boolean): Promise<number> {
  const [port] = (await freePorts(1)) as [number];
  // The socket path must fit sun_path (107 bytes); a deep checkout gets TCP only.
  const socketDir = `${layout.socketDir}/.s.PGSQL.${port}.lock`.length <= 100 ? layout.socketDir : '';
  if (socketDir) mkdirSync(socketDir, { recursive: true });
  if (socketDir && layout.runAs) {
    const owner = lookupUser(layout.runAs);
    chownSync(socketDir, owner.uid, owner.gid);
  }
  const serverOptions = [
    '-p', String(port),
    '-h', '127.0.0.1',
    '-k', shellQuote(socketDir),
    ...(fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ].join(' ');
  const logStart = fileSize(layout.logFile);
  try {
    await runAsOwner(layout, 'pg_ctl', ['start', '-D', layout.data, '-w', '-t', '30', '-l', layout.logFile, '-o', serverOptions], 45_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}\nPostgreSQL log (${layout.logFile}):\n${logTail(layout.logFile, logStart)}`, { cause: error });
  }
  return port;
}

async function ensureDatabase(port: number, name: string): Promise<void> {
  const connection = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'];
  const env = cleanEnv();
  const { stdout } = await runCommand(
    pgTool('psql'),
    ['-X', ...connection, '-d', 'postgres', '-tAc', `SELECT 1 FROM pg_database WHERE datname='${name}'`],
    { env, timeoutMs: 15_000 },
  );
  if (stdout.trim() !== '1') await runCommand(pgTool('createdb'), [...connection, name], { env, timeoutMs: 15_000 });
}
