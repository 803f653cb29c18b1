import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A real lossy network between this host and a browser: a network namespace
 * joined to the host by a veth pair, where a browser runs (through a small
 * wrapper, `chromiumPath`), and where nftables drops a random share of the
 * UDP packets arriving from the host (`numgen random`). This kernel has no
 * netem (ENVIRONMENT.md); random drop is what nftables offers. Only UDP is
 * dropped, so media suffers (SRTP, RTCP, retransmissions alike) while the
 * page, Socket.IO and chat, over TCP, go on. Needs root, as CI has.
 */
export class LossyLink {
  private constructor(
    readonly namespace: string,
    /** The host's end: the server listens here, and the browser reaches it here. */
    readonly hostAddress: string,
    readonly chromiumPath: string,
    private readonly dir: string,
    private readonly hostDevice: string,
    private readonly nsDevice: string,
  ) {}

  static async create(): Promise<LossyLink> {
    const tag = `${process.pid.toString(36)}${randomInt(36 ** 3).toString(36)}`.slice(-7);
    const namespace = `care-loss-${tag}`;
    const [hostDevice, nsDevice] = [`cl${tag}h`, `cl${tag}n`];
    const net = `10.213.${randomInt(1, 250)}`;
    const hostAddress = `${net}.1`;
    const inNs = (...args: string[]) => run('ip', ['netns', 'exec', namespace, ...args]);
    await run('ip', ['netns', 'add', namespace]);
    try {
      await run('ip', ['link', 'add', hostDevice, 'type', 'veth', 'peer', 'name', nsDevice]);
      await run('ip', ['link', 'set', nsDevice, 'netns', namespace]);
      await run('ip', ['addr', 'add', `${hostAddress}/30`, 'dev', hostDevice]);
      await run('ip', ['link', 'set', hostDevice, 'up']);
      await inNs('ip', 'addr', 'add', `${net}.2/30`, 'dev', nsDevice);
      await inNs('ip', 'link', 'set', nsDevice, 'up');
      await inNs('ip', 'link', 'set', 'lo', 'up');
      await inNs('nft', 'add', 'table', 'inet', 'care');
      await inNs('nft', 'add', 'chain', 'inet', 'care', 'in', '{ type filter hook input priority 0; }');
    } catch (error) {
      await run('ip', ['netns', 'del', namespace]).catch(() => undefined);
      await run('ip', ['link', 'del', hostDevice]).catch(() => undefined);
      throw error;
    }
    const dir = await mkdtemp(path.join(tmpdir(), 'care-loss-'));
    const chromiumPath = path.join(dir, 'chromium');
    await writeFile(chromiumPath, `#!/bin/sh\nexec ip netns exec ${namespace} ${process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'} "$@"\n`);
    await chmod(chromiumPath, 0o755);
    return new LossyLink(namespace, hostAddress, chromiumPath, dir, hostDevice, nsDevice);
  }

  /** From now on, drop this share (0–100) of the UDP packets the browser's side receives from the host. */
  async setLoss(percent: number): Promise<void> {
    await run('ip', ['netns', 'exec', this.namespace, 'nft', 'flush', 'chain', 'inet', 'care', 'in']);
    if (percent <= 0) return;
    await run('ip', [
      'netns', 'exec', this.namespace, 'nft', 'add', 'rule', 'inet', 'care', 'in',
      'ip', 'saddr', this.hostAddress, 'meta', 'l4proto', 'udp', 'numgen', 'random', 'mod', '100', 'lt', String(Math.round(percent)), 'counter', 'drop',
    ]);
  }

  /**
   * Caps the link at `kbit` kbit/s each way with a token bucket (tc tbf, what
   * this kernel has; no netem): the browser's uplink at its end, its downlink
   * at the host's. Undefined lifts the cap. TCP (the page, Socket.IO) shares
   * the narrow link with media, as on a real poor connection.
   */
  async setRate(kbit: number | undefined): Promise<void> {
    const onHost = (...args: string[]) => run('tc', ['qdisc', ...args]);
    const inBrowser = (...args: string[]) => run('ip', ['netns', 'exec', this.namespace, 'tc', 'qdisc', ...args]);
    if (kbit === undefined) {
      await onHost('del', 'dev', this.hostDevice, 'root').catch(() => undefined);
      await inBrowser('del', 'dev', this.nsDevice, 'root').catch(() => undefined);
      return;
    }
    const bucket = ['root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '1600', 'latency', '50ms'];
    await onHost('replace', 'dev', this.hostDevice, ...bucket);
    await inBrowser('replace', 'dev', this.nsDevice, ...bucket);
  }

  /** What the rate caps have dropped so far, each end's tbf counter: `host=… browser=…`. */
  async rateDrops(): Promise<string> {
    const count = (stdout: string) => /dropped (\d+)/.exec(stdout)?.[1] ?? '?';
    const onHost = await run('tc', ['-s', 'qdisc', 'show', 'dev', this.hostDevice]);
    const inBrowser = await run('ip', ['netns', 'exec', this.namespace, 'tc', '-s', 'qdisc', 'show', 'dev', this.nsDevice]);
    return `host=${count(onHost.stdout)} browser=${count(inBrowser.stdout)}`;
  }

  /** Packets the current rule has dropped (its counter). */
  async dropped(): Promise<number> {
    const { stdout } = await run('ip', ['netns', 'exec', this.namespace, 'nft', 'list', 'chain', 'inet', 'care', 'in']);
    return Number(/counter packets (\d+)/.exec(stdout)?.[1] ?? 0);
  }

  async close(): Promise<void> {
    await run('ip', ['netns', 'del', this.namespace]).catch(() => undefined);
    await run('ip', ['link', 'del', this.hostDevice]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
