// Process, port and log-file helpers shared by the embedded service launchers.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import net from 'node:net';

export type Log = (line: string) => void;

export interface RunningService {
  url: string;
  /** Main process id, remembered so a crashed parent's leftovers can be found. */
  pid: number | undefined;
  stop(): Promise<void>;
  /** Synchronous last resort, for process 'exit' where nothing async runs. */
  killNow(): void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export const seconds = (sinceMs: number): string => `${((Date.now() - sinceMs) / 1000).toFixed(1)} s`;

/**
 * Ports the kernel hands out for port 0, all held open at once so they differ.
 * Another process could still take one before the service binds it; callers
 * retry on "address already in use".
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, resolve);
      });
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

export const isPortClash = (error: unknown): boolean =>
  /address already in use|EADDRINUSE|could not bind/i.test(error instanceof Error ? error.message : String(error));

/** Tries `attempt` with fresh ports when the picked one was taken meanwhile. */
export async function withPortRetry<T>(attempt: () => Promise<T>, log: Log, what: string): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= 3 || !isPortClash(error)) throw error;
      log(`[services] ${what}: port taken meanwhile, retrying with another one`);
    }
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
  } catch {
    return '';
  }
}

/** Field 22 of /proc/PID/stat; with the pid it names one process even after pid reuse. */
export function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses; fields after it do not.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The last lines a service wrote to its log file since `fromByte`, for error messages. */
export function logTail(file: string, fromByte = 0, lines = 20): string {
  if (!existsSync(file)) return '(no output)';
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(fromByte, size - 8192);
    const buffer = Buffer.alloc(Math.max(0, size - start));
    readSync(fd, buffer, 0, buffer.length, start);
    const text = buffer.toString('utf8').trimEnd();
    return text ? text.split('\n').slice(-lines).map((l) => `  | ${l}`).join('\n') : '(no output)';
  } finally {
    closeSync(fd);
  }
}

export const fileSize = (file: string): number => statSync(file, { throwIfNoEntry: false })?.size ?? 0;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

export interface Supervised {
  child: ChildProcess;
  exited: Promise<ExitInfo>;
}

// setpriv (util-linux) sets PR_SET_PDEATHSIG before exec: the service gets SIGTERM
// when this process dies, even by SIGKILL, when no JS handler can run.
const SETPRIV = '/usr/bin/setpriv';

/**
 * Starts a long-running service with its output going to `logFile` (truncated)
 * rather than a pipe, so it never blocks on, or dies from, our pipes.
 */
export function spawnService(command: string, args: string[], logFile: string, cwd: string): Supervised {
  const fd = openSync(logFile, 'w');
  const withDeathSignal = existsSync(SETPRIV);
  let child: ChildProcess;
  try {
    // detached: its own process group, so a terminal Ctrl-C reaches only us and
    // we stop the services in order.
    child = spawn(
      withDeathSignal ? SETPRIV : command,
      withDeathSignal ? ['--pdeathsig', 'SIGTERM', '--', command, ...args] : args,
      { cwd, stdio: ['ignore', fd, fd], detached: true },
    );
  } finally {
    closeSync(fd);
  }
  // A service left running must not keep the host's event loop alive; the
  // 'exit' handler in stack.ts kills it when the host ends.
  child.unref();
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
  });
  return { child, exited };
}

export const hasExited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopService(service: Supervised, graceMs: number): Promise<void> {
  const { child, exited } = service;
  if (hasExited(child) || child.pid === undefined) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
  ]);
  clearTimeout(timer);
  if (timedOut && !hasExited(child)) {
    child.kill('SIGKILL');
    await exited;
  }
}

export function killServiceNow(service: Supervised): void {
  if (!hasExited(service.child)) service.child.kill('SIGKILL');
}

/**
 * Calls `probe` until it returns true; any other value says why not yet, and
 * the last one goes into the timeout error. Fails early if the process exited.
 */
export async function waitUntilReady(opts: {
  what: string;
  timeoutMs: number;
  probe: () => Promise<true | string>;
  exitedEarly: () => string | undefined;
  tail: () => string;
}): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const exitReason = opts.exitedEarly();
    if (exitReason) throw new Error(`${opts.what} ${exitReason} before it was ready. Its output:\n${opts.tail()}`);
    const result = await opts.probe();
    if (result === true) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${opts.what} did not become ready within ${opts.timeoutMs / 1000} s; last attempt: ${result}. Its output:\n${opts.tail()}`,
      );
    }
    await sleep(100);
  }
}

export function exitReason(service: Supervised, info: ExitInfo | undefined): string | undefined {
  if (info?.error) return `failed to start (${info.error.message})`;
  if (!hasExited(service.child)) return undefined;
  return service.child.signalCode ? `was killed by ${service.child.signalCode}` : `exited with code ${service.child.exitCode}`;
}

/** Resolves when a TCP connection to 127.0.0.1:port succeeds, false on any error. */
export function canConnect(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface CommandResult {
  stdout: string;
  stderr: string;
}

/** Runs a short command; on failure the error carries its output. */
export function runCommand(
  command: string,
  args: string[],
  opts: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; detached?: boolean } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, detached: opts.detached ?? false, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timeoutMs = opts.timeoutMs ?? 60_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const fail = (why: string): void => {
      const output = `${stdout}\n${stderr}`.trim().split('\n').slice(-20).map((l) => `  | ${l}`).join('\n');
      reject(new Error(`${[command, ...args].join(' ')} ${why}${output ? `:\n${output}` : ''}`));
    };
    child.once('error', (error) => {
      clearTimeout(timer);
      fail(`could not run (${error.message})`);
    });
    // 'close', not 'exit': the output is complete only once the pipes are closed.
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else fail(timedOut ? `timed out after ${timeoutMs / 1000} s` : signal ? `was killed by ${signal}` : `failed with exit code ${code}`);
    });
  });
}
