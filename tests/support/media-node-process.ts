import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createVethNamespace, relayTo } from './network-namespace.js';

const repoDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/*
 * A media node (CARE_ROLE=media, the built server) in a network namespace of
 * its own (issue 14, faults): a veth pair, the host's end at `.1`, the
 * node's at `.2`, where its WebRtcServer and its control channel listen.
 * Browsers and the signal node (in the test's namespace) reach it over the
 * veth; it reaches the run's Redis through a relay on the host's end of its
 * link. Needs root and iproute2 (see network-namespace.ts for the probe).
 */
export class MediaNodeProcess {
  #relay: net.Server | undefined;
  #child: ChildProcess | undefined;
  readonly output: string[] = [];
  nodeId = '';
  controlPort = 0;

  private constructor(
    readonly namespace: string,
    readonly hostDevice: string,
    readonly hostAddress: string,
    readonly address: string,
  ) {}

  /** Starts node `index` (0, 1, …) with `env` added to the media role's own settings. */
  static async start(index: number, redisUrl: string, env: Record<string, string>): Promise<MediaNodeProcess> {
    const node = MediaNodeProcess.#create(index);
    try {
      await node.#launch(redisUrl, env);
    } catch (error) {
      await node.stop();
      throw error;
    }
    return node;
  }

  /**
   * Two media nodes (0 and 1) joined by a private link of their own for the
   * pipes between them (10.183.k.1 and .2/24, k from this process id), as
   * a deployment's private network between media hosts: each node's pipe
   * ends listen there and accept far ends only in that /24.
   */
  static async startPair(redisUrl: string, env: Record<string, string>): Promise<[MediaNodeProcess, MediaNodeProcess]> {
    const nodes = [MediaNodeProcess.#create(0), MediaNodeProcess.#create(1)] as const;
    const tag = `${process.pid % 1000}`;
    const net = `10.183.${Math.floor(process.pid / 7) % 250}`;
    const devices = [`cmp${tag}a`, `cmp${tag}b`] as const;
    try {
      execFileSync('ip', ['link', 'add', devices[0], 'type', 'veth', 'peer', 'name', devices[1]], { stdio: 'pipe' });
      for (const [index, node] of nodes.entries()) {
        const device = devices[index] as string;
        const inNs = (...args: string[]) => execFileSync('ip', ['netns', 'exec', node.namespace, 'ip', ...args], { stdio: 'pipe' });
        execFileSync('ip', ['link', 'set', device, 'netns', node.namespace], { stdio: 'pipe' });
        inNs('addr', 'add', `${net}.${index + 1}/24`, 'dev', device);
        inNs('link', 'set', device, 'up');
        node.pipeAddress = `${net}.${index + 1}`;
      }
      for (const node of nodes) await node.#launch(redisUrl, { MEDIA_PIPE_LISTEN_IP: node.pipeAddress, MEDIA_PIPE_PEER_NETWORKS: `${net}.0/24`, ...env });
    } catch (error) {
      for (const node of nodes) await node.stop();
      throw error;
    }
    return [nodes[0], nodes[1]];
  }

  /** The node's address on the private pipe link (startPair), if it has one. */
  pipeAddress = '';

  static #create(index: number): MediaNodeProcess {
    const tag = `${process.pid % 1000}${index}`;
    const prefix = `10.${150 + index}.${Math.floor(process.pid / 7) % 250}`;
    const namespace = `care-media-${tag}`;
    const hostDevice = `cmh${tag}`;
    createVethNamespace(namespace, hostDevice, `cmn${tag}`, prefix);
    return new MediaNodeProcess(namespace, hostDevice, `${prefix}.1`, `${prefix}.2`);
  }

  async #launch(redisUrl: string, env: Record<string, string>): Promise<void> {
    const redis = new URL(redisUrl);
    const relayPort = await this.#relayTo(Number(redis.port || 6379), redis.hostname);
    redis.hostname = this.hostAddress;
    redis.port = String(relayPort);
    await this.#spawn(redis.toString(), env);
  }

  /** SIGKILL: the node dies at once, its workers with it; nothing is withdrawn from Redis. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  /** SIGTERM: the node drains (no new rooms, live ones finish) and exits. Resolves with its exit code. */
  terminate(): Promise<number | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return Promise.resolve(child?.exitCode ?? null);
    return new Promise((resolve) => {
      child.once('exit', (code) => resolve(code));
      child.kill('SIGTERM');
    });
  }

  get exited(): boolean {
    return this.#child === undefined || this.#child.exitCode !== null || this.#child.signalCode !== null;
  }

  async stop(): Promise<void> {
    await this.kill();
    this.#relay?.close();
    for (const args of [['netns', 'delete', this.namespace], ['link', 'delete', this.hostDevice]]) {
      try {
        execFileSync('ip', args, { stdio: 'pipe' });
      } catch {
        // Gone already (deleting the namespace takes its end of the veth, and with it the pair).
      }
    }
  }

  async #relayTo(port: number, host: string): Promise<number> {
    const relay = net.createServer(relayTo(() => net.connect(port, host)));
    await new Promise<void>((resolve) => relay.listen(0, this.hostAddress, resolve));
    this.#relay = relay;
    return (relay.address() as net.AddressInfo).port;
  }

  async #spawn(redisUrl: string, env: Record<string, string>): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', this.namespace, process.execPath, path.join(repoDir, 'server/dist/main.js')], {
      env: {
        ...process.env,
        CARE_ROLE: 'media',
        REDIS_URL: redisUrl,
        MEDIA_LISTEN_IP: this.address,
        MEDIA_CONTROL_HOST: this.address,
        MEDIA_CONTROL_PORT: '0',
        MEDIA_PORT_BASE: '0',
        MEDIA_WORKERS: '1',
        LOG_LEVEL: 'info',
        NODE_ENV: 'test',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`media node did not start:\n${this.output.join('')}`)), 60_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        const text = chunk.toString();
        this.output.push(text);
        const ready = /CARE_ASN_MEDIA_READY (\S+) (\d+)/.exec(text);
        if (ready?.[1] && ready[2]) {
          this.nodeId = ready[1];
          this.controlPort = Number(ready[2]);
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`media node exited with ${code}:\n${this.output.join('')}`));
      });
    });
  }
}
