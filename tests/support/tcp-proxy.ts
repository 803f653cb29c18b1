import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on a free loopback port to `target`, which a test can cut
 * (every connection dropped, new ones refused: the far side looks down) and
 * restore (listening again on the same port).
 */
export class TcpProxy {
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #port = 0;
  #stalled = false;

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target);
    await proxy.restore();
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Listens again (on the same port after a cut). */
  async restore(): Promise<void> {
    if (this.#server) return;
    this.#stalled = false;
    const server = createServer((inbound) => {
      if (this.#stalled) {
        // Accepted and never answered, like a host that dropped off the network.
        this.#sockets.add(inbound);
        inbound.on('close', () => this.#sockets.delete(inbound));
        inbound.on('error', () => inbound.destroy());
        inbound.resume();
        return;
      }
      relayBetween(inbound, connect(this.target.port, this.target.host), this.#sockets);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#port, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('proxy has no port');
    this.#port = address.port;
    this.#server = server;
  }

  /**
   * Keeps every connection open but passes nothing either way, and accepts
   * new ones without answering: a database whose host went silent, the case
   * that hangs a client that waits without a deadline.
   */
  stall(): void {
    this.#stalled = true;
    for (const socket of this.#sockets) {
      socket.unpipe();
      socket.removeAllListeners('data');
      socket.resume();
    }
  }

  /** Drops every relayed connection and stops listening. */
  async cut(): Promise<void> {
    const server = this.#server;
    this.#server = undefined;
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Relays both ways between two sockets, kept in `open` while they are; an error on either ends both. */
export function relayBetween(inbound: Socket, outbound: Socket, open: Set<Socket>): void {
  for (const socket of [inbound, outbound]) {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => {
      inbound.destroy();
      outbound.destroy();
    });
  }
  inbound.pipe(outbound);
  outbound.pipe(inbound);
}
