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
    child.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`coturn exited (${code}):\n${log.join('')}`))));
    try {
      await Promise.race([stunAnswers(address, port, 30_000), exited]);
    } catch (error) {
      turn.close();
      throw new Error(`coturn did not answer STUN on ${address}:${port}:\n${log.join('')}`, { cause: error });
    }
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

/** Resolves once a STUN Binding request to the server gets its success response (RFC 5389), retrying until `withinMs`. */
async function stunAnswers(address: string, port: number, withinMs: number): Promise<void> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      const transaction = randomBytes(12);
      const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), transaction]);
      const timer = setInterval(() => socket.send(request, port, address), 250);
      const deadline = setTimeout(() => {
        clearInterval(timer);
        reject(new Error(`no STUN answer within ${withinMs} ms`));
      }, withinMs);
      socket.on('message', (message) => {
        if (message.readUInt16BE(0) !== 0x0101 || !message.subarray(8, 20).equals(transaction)) return;
        clearInterval(timer);
        clearTimeout(deadline);
        resolve();
      });
      socket.send(request, port, address);
    });
  } finally {
    socket.close();
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
