import type http from 'node:http';
import type { AppServer } from '../socket/types.js';

/** Paths a balancer asks while the node is fenced: they must keep answering (readiness says why it is out). */
const HEALTH_PATHS = new Set(['/healthz', '/readyz']);

/**
 * What a node does while it cannot confirm its Redis primary
 * (primary-watch.ts): it hands its people to the other nodes rather than
 * keep writing their presence, lobby and room to a primary that may no
 * longer be one. Every Socket.IO connection is closed as a lost link closes
 * (the pages reconnect on their own, through the balancer, to a node that
 * serves), new ones are refused at the handshake, every other request but
 * the health checks is answered 503 and its connection closed (a kept-alive
 * connection through the balancer would otherwise stay here; closing idle
 * ones at once would race a request being sent on one), and /readyz says
 * not ready, so a balancer sends nobody here until the sentinels confirm
 * the primary again.
 */
export class PrimaryFence {
  #serving = true;

  constructor(private readonly io: AppServer) {}

  get serving(): boolean {
    return this.#serving;
  }

  stop(): void {
    this.#serving = false;
    // Closing the transport (not disconnecting the socket: that is how a node signs a person out) makes the page reconnect.
    for (const socket of this.io.of('/').sockets.values()) socket.conn.close();
  }

  resume(): void {
    this.#serving = true;
  }

  /** Answers a request itself while fenced (true), so it goes no further. */
  refused(req: http.IncomingMessage, res: http.ServerResponse): boolean {
    if (this.#serving || HEALTH_PATHS.has((req.url ?? '').split('?')[0] ?? '')) return false;
    res.writeHead(503, { 'content-type': 'application/json', connection: 'close', 'retry-after': '1' });
    res.end(JSON.stringify({ ok: false, error: { code: 'unavailable', message: 'this node is out of service for a moment; try again' } }));
    return true;
  }
}
