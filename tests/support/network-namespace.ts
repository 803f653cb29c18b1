import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/*
 * A network namespace for one browser, so its address can really change
 * (a phone moving from Wi-Fi to mobile data): a veth pair, the host's end
 * at `.1` (where the SFU listens), the namespace's end at `.2`, moved to
 * `.3` by `moveAddress`. Needs root and iproute2; no netem is needed.
 *
 * Signalling does not cross the veth: the browser reaches the server at
 * http://localhost:<port> inside the namespace, where a small relay passes
 * each connection through a Unix socket (a file, seen from both sides) to
 * the server's real port. So moving the address breaks the media path only,
 * as on a phone whose WebSocket reconnects through a proxy — and what heals
 * the call is ICE, not a Socket.IO reconnect.
 */

/** Whether this process may make namespaces (root with iproute2 and a kernel that allows it). */
export function namespacesUsable(): { usable: true } | { usable: false; why: string } {
  try {
    const name = `care-probe-${process.pid}`;
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'delete', name], { stdio: 'pipe' });
    return { usable: true };
  } catch (error) {
    return { usable: false, why: String((error as { stderr?: Buffer }).stderr ?? error).trim() };
  }
}

/** A namespace joined to this one by a veth pair: the host's end at `prefix.1`, the namespace's at `prefix.2`, both up. */
export function createVethNamespace(name: string, hostDevice: string, nsDevice: string, prefix: string): void {
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  ip('netns', 'add', name);
  ip('link', 'add', hostDevice, 'type', 'veth', 'peer', 'name', nsDevice);
  ip('link', 'set', nsDevice, 'netns', name);
  ip('addr', 'add', `${prefix}.1/24`, 'dev', hostDevice);
  ip('link', 'set', hostDevice, 'up');
  ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  ip('netns', 'exec', name, 'ip', 'addr', 'add', `${prefix}.2/24`, 'dev', nsDevice);
  ip('netns', 'exec', name, 'ip', 'link', 'set', nsDevice, 'up');
}

/** A TCP server's connection handler that passes each connection through to `target`, both ways. */
export function relayTo(target: () => net.Socket): (incoming: net.Socket) => void {
  return (incoming) => {
    const upstream = target();
    incoming.pipe(upstream).pipe(incoming);
    const end = () => {
      incoming.destroy();
      upstream.destroy();
    };
    incoming.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  };
}

export class NetworkNamespace {
  readonly #relays: Array<ChildProcess | net.Server> = [];
  #current: string;

  private constructor(
    readonly name: string,
    readonly hostAddress: string,
    readonly prefix: string,
    private readonly nsDevice: string,
    private readonly hostDevice: string,
    private readonly dir: string,
  ) {
    this.#current = `${prefix}.2`;
  }

  /**
   * A namespace with its veth up; addresses in a /24 picked from this process
   * id, each kind in its own range (a browser's `ice`, the far side of a
   * network `cut`), so two kinds in one run, or two runs, never share one.
   */
  static create(kind: 'ice' | 'cut' = 'ice'): NetworkNamespace {
    const tag = `${process.pid % 10_000}`;
    const prefix =
      kind === 'ice'
        ? `10.${200 + (process.pid % 50)}.${Math.floor(process.pid / 50) % 250}`
        : `10.${170 + (process.pid % 8)}.${Math.floor(process.pid / 8) % 250}`;
    const name = `care-${kind}-${tag}`;
    const hostDevice = `c${kind[0]}h${tag}`;
    const nsDevice = `c${kind[0]}n${tag}`;
    createVethNamespace(name, hostDevice, nsDevice, prefix);
    return new NetworkNamespace(name, `${prefix}.1`, prefix, nsDevice, hostDevice, mkdtempSync(path.join(os.tmpdir(), `care-${kind}-`)));
  }

  /** The namespace's address now. */
  get address(): string {
    return this.#current;
  }

  /** The namespace's end takes a new address and gives up the old one (what a phone does changing networks). */
  moveAddress(): string {
    const next = this.#current.endsWith('.2') ? `${this.prefix}.3` : `${this.prefix}.2`;
    // Old address first: a second address of the same /24 is a "secondary", which Linux deletes with the primary.
    execFileSync('ip', ['netns', 'exec', this.name, 'ip', 'addr', 'del', `${this.#current}/24`, 'dev', this.nsDevice], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'exec', this.name, 'ip', 'addr', 'add', `${next}/24`, 'dev', this.nsDevice], { stdio: 'pipe' });
    this.#current = next;
    return next;
  }

  /** One more address on the host's end of the link (for a second service the namespace reaches, such as a TURN server). */
  addHostAddress(lastOctet: number): string {
    const address = `${this.prefix}.${lastOctet}`;
    execFileSync('ip', ['addr', 'add', `${address}/24`, 'dev', this.hostDevice], { stdio: 'pipe' });
    return address;
  }

  /** Runs a command inside the namespace (`input` on its standard input); its output. */
  exec(command: string, args: readonly string[], input?: string): string {
    return execFileSync('ip', ['netns', 'exec', this.name, command, ...args], { stdio: 'pipe', ...(input === undefined ? {} : { input }) }).toString();
  }

  /** A script that runs Chromium (or anything) inside the namespace, for playwright's `executablePath`. */
  wrap(executable: string): string {
    const file = path.join(this.dir, 'in-namespace.sh');
    writeFileSync(file, `#!/bin/sh\nexec ip netns exec ${this.name} ${executable} "$@"\n`);
    chmodSync(file, 0o755);
    return file;
  }

  /**
   * `localhost:<port>` inside the namespace reaches `127.0.0.1:<port>` outside,
   * through a Unix socket: a Node relay in the namespace, one in this process.
   * It does not cross the veth, so it outlives a `cut`.
   */
  async forwardLocalhost(port: number): Promise<void> {
    const socketPath = path.join(this.dir, `relay-${port}.sock`);
    await this.#listenOutside(socketPath, () => net.connect(port, '127.0.0.1'));
    await this.#relayInside({ port }, { path: socketPath });
  }

  /**
   * The other way: a loopback port outside (returned) reaches `127.0.0.1:<port>`
   * inside the namespace, through a Unix socket, so it too outlives a `cut`
   * (a balancer that still reaches a node its Redis side cannot).
   */
  async exposeToHost(port: number): Promise<number> {
    const socketPath = path.join(this.dir, `exposed-${port}.sock`);
    await this.#relayInside({ path: socketPath }, { port });
    const outside = await this.#listenOutside({ port: 0, host: '127.0.0.1' }, () => net.connect(socketPath));
    return (outside.address() as net.AddressInfo).port;
  }

  async #listenOutside(where: string | { port: number; host: string }, target: () => net.Socket): Promise<net.Server> {
    const outside = net.createServer(relayTo(target));
    await new Promise<void>((resolve) => (typeof where === 'string' ? outside.listen(where, resolve) : outside.listen(where.port, where.host, resolve)));
    this.#relays.push(outside);
    return outside;
  }

  /** A Node relay inside the namespace: listens on one end (a loopback port or a socket file), connects to the other. */
  async #relayInside(listen: { port: number } | { path: string }, connect: { port: number } | { path: string }): Promise<void> {
    const to = 'port' in connect ? `${connect.port}, '127.0.0.1'` : JSON.stringify(connect.path);
    const on = 'port' in listen ? `${listen.port}, '127.0.0.1'` : JSON.stringify(listen.path);
    const relay = `
      const net = require('node:net');
      net.createServer((c) => {
        const u = net.connect(${to});
        c.pipe(u).pipe(c);
        const end = () => { c.destroy(); u.destroy(); };
        c.on('error', end).on('close', end); u.on('error', end).on('close', end);
      }).listen(${on}, () => process.stdout.write('ready\\n'));
    `;
    const child = spawn('ip', ['netns', 'exec', this.name, process.execPath, '-e', relay], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#relays.push(child);
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve());
      child.once('exit', (code) => reject(new Error(`the namespace relay exited (${code})`)));
    });
  }

  /** The veth goes down: nothing crosses between the namespace and the host but the Unix-socket relays. */
  cut(): void {
    execFileSync('ip', ['link', 'set', this.hostDevice, 'down'], { stdio: 'pipe' });
  }

  /** The veth comes back up (its addresses and routes with it). */
  heal(): void {
    execFileSync('ip', ['link', 'set', this.hostDevice, 'up'], { stdio: 'pipe' });
  }

  close(): void {
    for (const relay of this.#relays) {
      if (relay instanceof net.Server) relay.close();
      else relay.kill();
    }
    try {
      execFileSync('ip', ['link', 'delete', this.hostDevice], { stdio: 'pipe' });
    } catch {
      // Gone with the namespace already.
    }
    try {
      execFileSync('ip', ['netns', 'delete', this.name], { stdio: 'pipe' });
    } catch {
      // Already gone.
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
