import { connect, createServer, type Server, type Socket } from 'node:net';
import { relayBetween } from './tcp-proxy.js';

/** What the balancer sees of a connection's first request, to pick a node by. */
export interface FirstRequest {
  /** The request target, e.g. `/socket.io/?route=…&EIO=4&transport=websocket`. */
  target: string;
  /** The `route` query parameter, if the request has one. */
  route: string | undefined;
  /** Whether it asks for a WebSocket (Socket.IO's connection). */
  websocket: boolean;
}

/**
 * An HTTP balancer in front of several signal nodes, on one loopback port,
 * as nginx or haproxy in HTTP mode is: it reads the first request of each
 * connection and lets `pick` choose the node (an index into `targets`) from
 * it, then relays the connection there, bytes untouched. A test steers
 * pages with it (a careless balancer, or one hashing on `route`), and reads
 * back every first request it saw.
 */
export class RouteBalancer {
  readonly #sockets = new Set<Socket>();
  /** The first request of every connection, with the node it went to. */
  readonly seen: Array<FirstRequest & { node: number }> = [];
  targets: ReadonlyArray<{ host: string; port: number }> = [];

  private constructor(
    private readonly server: Server,
    public pick: (request: FirstRequest) => number,
  ) {}

  static async start(pick: (request: FirstRequest) => number): Promise<RouteBalancer> {
    const server = createServer();
    const balancer = new RouteBalancer(server, pick);
    server.on('connection', (inbound) => balancer.#take(inbound));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return balancer;
  }

  get url(): string {
    const address = this.server.address();
    if (!address || typeof address === 'string') throw new Error('the balancer is not listening');
    return `http://127.0.0.1:${address.port}`;
  }

  #take(inbound: Socket): void {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0 && head.length < 16_384) return;
      inbound.off('data', onData);
      inbound.pause();
      this.#relay(inbound, head, end < 0 ? head.length : end);
    };
    inbound.on('data', onData);
    inbound.on('error', () => inbound.destroy());
  }

  #relay(inbound: Socket, head: Buffer, headerEnd: number): void {
    const text = head.subarray(0, headerEnd).toString('latin1');
    const [requestLine = '', ...headers] = text.split('\r\n');
    const target = requestLine.split(' ')[1] ?? '';
    const route = new URL(target, 'http://balancer').searchParams.get('route') ?? undefined;
    const websocket = headers.some((line) => /^upgrade:\s*websocket/i.test(line));
    const request = { target, route, websocket };
    const node = this.pick(request);
    this.seen.push({ ...request, node });
    const chosen = this.targets[node];
    if (!chosen) {
      inbound.destroy();
      return;
    }
    const outbound = connect(chosen.port, chosen.host);
    outbound.once('error', () => inbound.destroy());
    outbound.once('connect', () => {
      outbound.write(head);
      outbound.on('close', () => inbound.destroy());
      relayBetween(inbound, outbound, this.#sockets);
      inbound.resume();
    });
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
