import { connect, createServer, type Server, type Socket } from 'node:net';
import { relayBetween } from './tcp-proxy.js';

/**
 * What a load balancer in front of several signal nodes does, on one
 * loopback port: each new connection goes to the first node that accepts
 * it, so while the first node lives everyone is on it, and once it is gone
 * (its port refuses) new connections reach the next. Connections already
 * relayed to a node end with it.
 *
 * With `healthPath`, it also asks each node that path every `intervalMs`
 * (as a balancer's health check does, e.g. haproxy's `option httpchk GET
 * /readyz`) and passes over a node whose last answer was not 200, though it
 * still takes connections.
 */
export class FailoverProxy {
  readonly #sockets = new Set<Socket>();
  /** Targets (by "host:port") whose last health check failed. */
  readonly #unhealthy = new Set<string>();
  #checking?: NodeJS.Timeout;
  /** The nodes, in order of preference (set once they listen: they are told the balancer's address first). */
  targets: ReadonlyArray<{ host: string; port: number }> = [];

  private constructor(private readonly server: Server) {}

  static async start(health?: { healthPath: string; intervalMs: number }): Promise<FailoverProxy> {
    const server = createServer();
    const proxy = new FailoverProxy(server);
    if (health) proxy.#checking = setInterval(() => void proxy.#checkHealth(health.healthPath, health.intervalMs), health.intervalMs);
    server.on('connection', (inbound) => proxy.#relay(inbound));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get url(): string {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the proxy is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  /** Whether a target passes the health check (always, without one). */
  healthy(target: { host: string; port: number }): boolean {
    return !this.#unhealthy.has(`${target.host}:${target.port}`);
  }

  async #checkHealth(healthPath: string, timeoutMs: number): Promise<void> {
    await Promise.all(
      this.targets.map(async ({ host, port }) => {
        const ok = await fetch(`http://${host}:${port}${healthPath}`, { signal: AbortSignal.timeout(timeoutMs) }).then(
          (response) => response.status === 200,
          () => false,
        );
        if (ok) this.#unhealthy.delete(`${host}:${port}`);
        else this.#unhealthy.add(`${host}:${port}`);
      }),
    );
  }

  /** Connections closed unanswered because no node was there to take them (none healthy, or none listening). */
  dropped = 0;

  #relay(inbound: Socket, index = 0): void {
    const target = this.targets[index];
    if (!target) {
      this.dropped += 1;
      inbound.destroy();
      return;
    }
    if (!this.healthy(target)) {
      this.#relay(inbound, index + 1);
      return;
    }
    inbound.pause();
    const outbound = connect(target.port, target.host);
    const refused = () => {
      outbound.destroy();
      this.#relay(inbound, index + 1);
    };
    outbound.once('error', refused);
    outbound.once('connect', () => {
      outbound.off('error', refused);
      // A node that dies takes its connections with it: the page's side ends too.
      outbound.on('close', () => inbound.destroy());
      relayBetween(inbound, outbound, this.#sockets);
      inbound.resume();
    });
  }

  async close(): Promise<void> {
    clearInterval(this.#checking);
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
