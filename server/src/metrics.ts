import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Counts only: no label ever carries a user, room or message. */
export function createMetrics(sources: { connections: () => number; rooms: () => number }): Registry {
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
  return registry;
}
