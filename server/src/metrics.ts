import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Counts only: no label ever carries a user, room or message. */
export function createMetrics(sources: { connections: () => number; rooms: () => number; nodePipes?: () => { open: number; died: number } }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'care_' });
  new Gauge({
    name: 'care_socket_connections',
    help: 'Socket.IO connections on this node',
    registers: [registry],
    collect() {
      this.set(sources.connections());
    },
  });
  new Gauge({
    name: 'care_media_rooms',
    help: 'Rooms with live media on this node',
    registers: [registry],
    collect() {
      this.set(sources.rooms());
    },
  });
  const nodePipes = sources.nodePipes ?? (() => ({ open: 0, died: 0 }));
  new Gauge({
    name: 'care_media_node_pipes',
    help: 'Pipes between media nodes carried for the rooms this node drives (0 when the media runs in this process)',
    registers: [registry],
    collect() {
      this.set(nodePipes().open);
    },
  });
  new Counter({
    name: 'care_media_node_pipes_died_total',
    help: 'Pipes between media nodes found dead (no bytes, or no RTCP back) since this node started; each is opened again',
    registers: [registry],
    collect() {
      // Counted where the deaths are seen; read here as the running total.
      this.reset();
      this.inc(nodePipes().died);
    },
  });
  return registry;
}

/**
 * What refused a request: its connection's budget, its person's budget, or a
 * fixed limit (one transport per direction, one producer per source, sockets
 * per person, the old per-connection chat limiter).
 */
export type RefusalScope = 'connection' | 'user' | 'limit';
export type RateLimitedCounter = Counter<'family' | 'scope'>;

/**
 * Every answer `rate_limited`, by family (the socket request families of
 * request-budgets.ts, `connections`, `network_check`) and scope; never by
 * person or room.
 */
export function createRateLimitedCounter(registry: Registry): RateLimitedCounter {
  return new Counter({
    name: 'care_rate_limited_total',
    help: 'Requests answered rate_limited, by request family and what refused them',
    labelNames: ['family', 'scope'] as const,
    registers: [registry],
  });
}
