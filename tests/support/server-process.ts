import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  url: string;
  /** The node process's id (its resident memory is read from /proc by the join benchmark). */
  pid: number;
  output: string[];
  stop(): Promise<void>;
  /** SIGKILL: the node dies without closing anything (no disconnects, nothing cleaned up in Redis). */
  crash(): Promise<void>;
}

/**
 * The built server (`server/dist/main.js`) serving the built web app, as
 * `npm start` runs it. A variable given as undefined is left unset. With
 * `namespace`, it runs inside that network namespace (`ip netns exec`, which
 * becomes the server: the same process id).
 */
export async function startServerProcess(env: Record<string, string | undefined> = {}, options: { namespace?: string } = {}): Promise<ServerProcess> {
  const output: string[] = [];
  const command = [process.execPath, path.join(repoDir, 'server/dist/main.js')];
  const [executable, ...args] = options.namespace ? ['ip', 'netns', 'exec', options.namespace, ...command] : command;
  const child: ChildProcess = spawn(executable!, args, {
    env: withoutUnset({
      ...process.env,
      REDIS_URL: inject('redisUrl'),
      MONGODB_URI: inject('mongodbUri'),
      MONGODB_DB: `care_e2e_${randomBytes(4).toString('hex')}`,
      PORT: '0',
      HOST: '127.0.0.1',
      WEB_BUILD_DIR: path.join(repoDir, 'web/build'),
      SEED_DEMO: 'true',
      MEDIA_PORT_BASE: '0',
      MEDIA_WORKERS: '1',
      LOG_LEVEL: 'info',
      // The server's default is production; the tests ask for their own rules.
      NODE_ENV: 'test',
      ...env,
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output.join('')}`)), 60_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      const match = /CARE_ASN_READY (\S+)/.exec(text);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output.join('')}`));
    });
  });
  return {
    url,
    pid: child.pid ?? -1,
    output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
    crash: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

function withoutUnset(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
