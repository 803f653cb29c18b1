import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { HostPipeSettings } from '@care/media';

const run = promisify(execFile);
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'media-host-child.ts');

/** The pipe ports both hosts use (one range for the deployment, as MEDIA_PIPE_PORT_MIN/MAX would set). */
export const PIPE_PORTS = { min: 41000, max: 41099 } as const;

export interface HostEvent {
  name: 'mirror' | 'sender-dead' | 'receiver-dead' | 'consumer-closed';
  data: Record<string, unknown>;
  at: number;
}

/**
 * One media host process (media-host-child.ts) in its own network namespace,
 * driven over its IPC channel. `address` is where browsers reach its
 * WebRtcServer, over a veth to this (the root) namespace.
 */
export class MediaHostProcess extends EventEmitter<{ event: [HostEvent] }> {
  readonly events: HostEvent[] = [];
  readonly output: string[] = [];
  #next = 0;
  readonly #calls = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  constructor(
    readonly name: string,
    readonly namespace: string,
    readonly address: string,
    readonly pipeAddress: string,
    readonly process: ChildProcess,
  ) {
    super();
    process.stdout?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    process.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    process.on('message', (message: { kind: string; id?: number; ok?: boolean; data?: unknown; error?: string; name?: HostEvent['name'] }) => {
      if (message.kind === 'reply' && message.id !== undefined) {
        const call = this.#calls.get(message.id);
        this.#calls.delete(message.id);
        if (message.ok) call?.resolve(message.data);
        else call?.reject(new Error(message.error ?? 'failed'));
      } else if (message.kind === 'event' && message.name) {
        const event = { name: message.name, data: message.data as Record<string, unknown>, at: Date.now() };
        this.events.push(event);
        this.emit('event', event);
      }
    });
  }

  call<T = unknown>(method: string, data: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    this.process.send({ kind: 'call', id, method, data });
    return new Promise<T>((resolve, reject) => this.#calls.set(id, { resolve: resolve as (value: unknown) => void, reject }));
  }

  /** The pipes open on this host, its consumers, and what crossed into its pipe producers. */
  state(): Promise<HostState> {
    return this.call<HostState>('state');
  }
}

export interface PipedStat {
  producerId: string;
  ssrc: number;
  paused: boolean;
  byteCount: number;
  packetCount: number;
  packetsLost: number;
  nackCount: number;
  nackPacketCount: number;
  packetsRetransmitted: number;
  packetsRepaired: number;
}

export interface HostState {
  senderPipes: number;
  receiverPipes: number;
  consumers: number;
  pipedStats: PipedStat[];
  routerTransports: number;
  workerAlive: boolean;
}

/**
 * Two media hosts, A and B, each a process in its own network namespace with
 * its own addresses: a veth to the root namespace for the browsers, and a
 * private link between the two for their pipes (10.182.k.0/24), where loss
 * (nftables `numgen random`, both ways; this kernel has no netem) and cuts
 * (`ip link set … down`) are made. This process plays the control channel:
 * it carries each host's pipe messages to the other (what the signal node's
 * channel will do). Needs root.
 */
export class MediaHostPair {
  readonly #devices: string[] = [];

  private constructor(
    readonly a: MediaHostProcess,
    readonly b: MediaHostProcess,
    private readonly pipeDevice: { a: string; b: string },
  ) {
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      from.process.on('message', (message: { kind: string; id?: number; method?: string; data?: unknown }) => {
        if (message.kind !== 'far' || message.id === undefined) return;
        const method = ({ open: 'pipeOpen', connect: 'pipeConnect', close: 'pipeClose' } as Record<string, string>)[message.method ?? ''];
        const key = ({ open: 'request', connect: 'answer', close: 'message' } as Record<string, string>)[message.method ?? ''];
        if (!method || !key) return;
        to.call(method, { [key]: message.data, farHost: from.name }).then(
          (data) => from.process.send({ kind: 'far-reply', id: message.id, ok: true, data }),
          (error: unknown) => from.process.send({ kind: 'far-reply', id: message.id, ok: false, error: String(error) }),
        );
      });
      from.on('event', (event) => {
        if (event.name !== 'mirror' || event.data.farHost !== to.name) return;
        const { pipeId, event: mirrored } = event.data;
        void to.call('pipeMirror', { message: { pipeId, event: mirrored }, farHost: from.name }).catch(() => undefined);
      });
    }
  }

  static async create(workerBin: string | undefined): Promise<MediaHostPair> {
    const tag = `${(process.pid % 1296).toString(36)}${randomInt(1296).toString(36)}`.padStart(4, '0');
    const k = randomInt(1, 250);
    const created: { namespaces: string[]; devices: string[] } = { namespaces: [], devices: [] };
    const ip = (...args: string[]) => run('ip', args);
    const inNs = (ns: string, ...args: string[]) => run('ip', ['netns', 'exec', ns, ...args]);
    try {
      const hosts: MediaHostProcess[] = [];
      const pipeDevice = { a: `hp${tag}pa`, b: `hp${tag}pb` };
      const namespaces = { a: `care-hp-${tag}-a`, b: `care-hp-${tag}-b` };
      for (const name of ['a', 'b'] as const) {
        await ip('netns', 'add', namespaces[name]);
        created.namespaces.push(namespaces[name]);
      }
      await ip('link', 'add', pipeDevice.a, 'type', 'veth', 'peer', 'name', pipeDevice.b);
      const pipeAddress = { a: `10.182.${k}.1`, b: `10.182.${k}.2` };
      for (const [index, name] of (['a', 'b'] as const).entries()) {
        const ns = namespaces[name];
        const [rootDevice, nsDevice] = [`hp${tag}${name}r`, `hp${tag}${name}n`];
        const net = `10.${180 + index}.${k}`;
        await ip('link', 'add', rootDevice, 'type', 'veth', 'peer', 'name', nsDevice);
        created.devices.push(rootDevice);
        await ip('link', 'set', nsDevice, 'netns', ns);
        await ip('addr', 'add', `${net}.1/24`, 'dev', rootDevice);
        await ip('link', 'set', rootDevice, 'up');
        await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
        await inNs(ns, 'ip', 'addr', 'add', `${net}.2/24`, 'dev', nsDevice);
        await inNs(ns, 'ip', 'link', 'set', nsDevice, 'up');
        await ip('link', 'set', pipeDevice[name], 'netns', ns);
        await inNs(ns, 'ip', 'addr', 'add', `${pipeAddress[name]}/24`, 'dev', pipeDevice[name]);
        await inNs(ns, 'ip', 'link', 'set', pipeDevice[name], 'up');
        await inNs(ns, 'nft', 'add', 'table', 'inet', 'care_pipe');
        await inNs(ns, 'nft', 'add', 'chain', 'inet', 'care_pipe', 'in', '{ type filter hook input priority 0; }');
        const pipe: HostPipeSettings = {
          listenIp: pipeAddress[name],
          portMin: PIPE_PORTS.min,
          portMax: PIPE_PORTS.max,
          peerNetworks: [{ address: `10.182.${k}.0`, prefix: 24, family: 'ipv4' }],
          watchIntervalMs: 1000,
          deadAfterMs: 4000,
          connectTimeoutMs: 15_000,
        };
        const config = { name: name.toUpperCase(), farName: name === 'a' ? 'B' : 'A', listenIp: `${net}.2`, pipe, ...(workerBin ? { workerBin } : {}) };
        const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, child], {
          env: { ...process.env, MEDIA_HOST_CONFIG: JSON.stringify(config) },
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        });
        const host = new MediaHostProcess(config.name, ns, `${net}.2`, pipeAddress[name], proc);
        hosts.push(host);
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`media host ${config.name} did not start:\n${host.output.join('')}`)), 60_000);
          proc.on('message', (message: { kind: string }) => {
            if (message.kind !== 'ready') return;
            clearTimeout(timer);
            resolve();
          });
          proc.once('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`media host ${config.name} exited (${code}):\n${host.output.join('')}`));
          });
        });
      }
      const pair = new MediaHostPair(hosts[0]!, hosts[1]!, pipeDevice);
      pair.#devices.push(...created.devices, ...created.namespaces.map((ns) => `netns:${ns}`));
      return pair;
    } catch (error) {
      for (const ns of created.namespaces) await ip('netns', 'del', ns).catch(() => undefined);
      for (const device of created.devices) await ip('link', 'del', device).catch(() => undefined);
      throw error;
    }
  }

  /** From now on, each host drops this share (0–100) of the UDP packets arriving from the other over the pipe link. */
  async setPipeLoss(percent: number): Promise<void> {
    for (const [host, other] of [
      [this.a, this.b],
      [this.b, this.a],
    ] as const) {
      await run('ip', ['netns', 'exec', host.namespace, 'nft', 'flush', 'chain', 'inet', 'care_pipe', 'in']);
      if (percent <= 0) continue;
      await run('ip', [
        'netns', 'exec', host.namespace, 'nft', 'add', 'rule', 'inet', 'care_pipe', 'in',
        'ip', 'saddr', other.pipeAddress, 'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', 'lt', String(Math.round(percent)), 'counter', 'drop',
      ]);
    }
  }

  /** Packets the loss rules have dropped, both ways. */
  async droppedOnPipe(): Promise<number> {
    let dropped = 0;
    for (const host of [this.a, this.b]) {
      const { stdout } = await run('ip', ['netns', 'exec', host.namespace, 'nft', 'list', 'chain', 'inet', 'care_pipe', 'in']);
      dropped += Number(/counter packets (\d+)/.exec(stdout)?.[1] ?? 0);
    }
    return dropped;
  }

  /**
   * The UDP payloads B's pipe device carries from A, as on the wire (up to
   * `count`, within `ms`): read with a raw packet socket inside B's
   * namespace (Python's AF_PACKET; no tcpdump on this machine).
   */
  async captureFromA(count: number, ms: number): Promise<Buffer[]> {
    const script = `
import socket, sys, time
dev, want, count, ms = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.ntohs(0x0003))
s.bind((dev, 0))
s.settimeout(0.2)
end = time.time() + ms / 1000
seen = 0
while seen < count and time.time() < end:
    try:
        frame = s.recv(65535)
    except socket.timeout:
        continue
    if frame[12] != 8 or frame[13] != 0:
        continue
    ip = frame[14:]
    if ip[9] != 17 or socket.inet_ntoa(ip[12:16]) != want:
        continue
    udp = ip[(ip[0] & 15) * 4:]
    print(udp[8:].hex())
    seen += 1
`;
    const { stdout } = await run('ip', ['netns', 'exec', this.b.namespace, 'python3', '-c', script, this.pipeDevice.b, this.a.pipeAddress, String(count), String(ms)], { maxBuffer: 64 * 1024 * 1024 });
    return stdout.split('\n').filter(Boolean).map((hex) => Buffer.from(hex, 'hex'));
  }

  /** Cuts (or restores) the pipe link at B's end: `ip link set … down` (its veth peer loses carrier too). */
  async setPipeLink(up: boolean): Promise<void> {
    await run('ip', ['netns', 'exec', this.b.namespace, 'ip', 'link', 'set', this.pipeDevice.b, up ? 'up' : 'down']);
  }

  async close(): Promise<void> {
    for (const host of [this.a, this.b]) {
      if (host.process.exitCode === null) {
        const exited = new Promise((resolve) => host.process.once('exit', resolve));
        host.process.disconnect();
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (host.process.exitCode === null) host.process.kill('SIGKILL');
      }
    }
    for (const entry of this.#devices) {
      if (entry.startsWith('netns:')) await run('ip', ['netns', 'del', entry.slice('netns:'.length)]).catch(() => undefined);
      else await run('ip', ['link', 'del', entry]).catch(() => undefined);
    }
  }
}
