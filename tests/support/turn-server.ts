import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Debian's coturn (`apt-get install coturn`; scripts/care.sh installs it for a root test run). */
export const TURNSERVER_BIN = '/usr/bin/turnserver';

export function turnServerInstalled(): boolean {
  return existsSync(TURNSERVER_BIN);
}

/**
 * A coturn of its own for one test: listening and relaying on `address`
 * (UDP and TCP on one port), checking credentials with the TURN REST-API
 * scheme against `secret` (`use-auth-secret`), as deploy/coturn/turnserver.conf
 * sets up a real one, minus TLS.
 */
export class TurnServer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly address: string,
    readonly port: number,
    readonly secret: string,
    readonly log: string[],
  ) {}

  static async start(address: string): Promise<TurnServer> {
    const port = await freeUdpPort(address);
    const secret = randomBytes(32).toString('base64');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'care-turn-'));
    const log: string[] = [];
    const child = spawn(
      TURNSERVER_BIN,
      [
        '-n',
        `--listening-ip=${address}`,
        `--relay-ip=${address}`,
        `--listening-port=${port}`,
        '--min-port=49160',
        '--max-port=49660',
        '--use-auth-secret',
        `--static-auth-secret=${secret}`,
        '--realm=care-asn.test',
        '--fingerprint',
        '--no-tls',
        '--no-dtls',
        '--no-cli',
        '--no-multicast-peers',
        `--userdb=${path.join(dir, 'turndb')}`,
        `--pidfile=${path.join(dir, 'turnserver.pid')}`,
        '--log-file=stdout',
        '--simple-log',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const turn = new TurnServer(child, dir, address, port, secret, log);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`coturn did not start listening:\n${log.join('')}`)), 15_000);
      const onData = (chunk: Buffer) => {
        log.push(chunk.toString());
        if (/listener opened on/i.test(log.join(''))) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`coturn exited (${code}):\n${log.join('')}`));
      });
    });
    return turn;
  }

  /** The URLs a browser is given (TURN_URLS): UDP to the relay, and TCP for networks that block UDP outright. */
  get urls(): string[] {
    return [`turn:${this.address}:${this.port}?transport=udp`, `turn:${this.address}:${this.port}?transport=tcp`];
  }

  close(): void {
    this.child.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A UDP port free on `address` just now. */
async function freeUdpPort(address: string): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}
