// Debian's redis-server on a private loopback port, data in the project's .data/.
import { existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import {
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

const REDIS_SERVER = '/usr/bin/redis-server';

export interface RedisOptions {
  dataDir: string;
  /** AOF on, so login sessions and queued reminders survive a restart; tests turn it off for speed. */
  persistent: boolean;
  log: Log;
}

export async function startRedis(opts: RedisOptions): Promise<RunningService> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(`${REDIS_SERVER} not found; install it: apt-get install -y redis-server`);
  }
  mkdirSync(opts.dataDir, { recursive: true });
  return withPortRetry(() => startOnce(opts), opts.log, 'Redis');
}

async function startOnce(opts: RedisOptions): Promise<RunningService> {
  const [port] = (await freePorts(1)) as [number];
  const logFile = join(opts.dataDir, 'redis.log');
  const args = [
    '--bind', '127.0.0.1',
    '--port', String(port),
    '--dir', opts.dataDir,
    // No RDB snapshots: AOF is the persistence when wanted, and nothing is saved otherwise.
    '--save', '',
    '--daemonize', 'no',
    ...(opts.persistent ? ['--appendonly', 'yes', '--appendfsync', 'everysec'] : ['--appendonly', 'no']),
  ];
  const service = spawnService(REDIS_SERVER, args, logFile, opts.dataDir);
  let exit: ExitInfo | undefined;
  void service.exited.then((info) => (exit = info));
  try {
    await waitUntilReady({
      what: `redis-server on 127.0.0.1:${port}`,
      timeoutMs: 15_000,
      probe: () => answersPing(port),
      exitedEarly: () => exitReason(service, exit),
      tail: () => logTail(logFile),
    });
  } catch (error) {
    await stopService(service, 2000);
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: service.child.pid,
    // Redis flushes the AOF on SIGTERM; give it time before forcing.
    stop: () => stopService(service, 10_000),
    killNow: () => killServiceNow(service),
  };
}

/** True once Redis replies +PONG; while it loads its AOF it replies -LOADING instead. */
function answersPing(port: number): Promise<true | string> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (result: true | string): void => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1000, () => done('no reply to PING within 1 s'));
    socket.once('error', (error) => done(error.message));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') || `PING answered ${reply.trim()}`);
    });
  });
}
