import { collectionHaystacks, filesBelow, redisHaystacks, type Haystack } from './byte-search.js';
import type { TestPlatform } from './test-platform.js';

/** Records every Engine.IO packet in and out of the server into `into`: what a compromised server could have kept. */
export function recordServerTraffic(t: TestPlatform, into: Haystack[]): void {
  t.platform.io.engine.on('connection', (raw: { on(event: string, listener: (packet: { data?: unknown }) => void): void }) => {
    const record = (packet: { data?: unknown }) => {
      const data = packet.data;
      if (typeof data === 'string' || data instanceof Uint8Array) into.push({ label: 'socket.io traffic', bytes: Buffer.from(data) });
    };
    raw.on('packet', record);
    raw.on('packetCreate', record);
  });
}

/**
 * Everything the server side holds after a run, to search for a secret: its
 * logs, its metrics, Redis, and the database through the driver and in the
 * embedded database's own files (`databaseDirs`, the run's `inject('databaseDirs')`).
 */
export async function serverSideHaystacks(t: TestPlatform, databaseDirs: readonly string[]): Promise<Haystack[]> {
  const haystacks: Haystack[] = [
    { label: 'server logs', bytes: Buffer.from(t.logs.join('')) },
    { label: 'metrics', bytes: Buffer.from(await (await fetch(`${t.url}/metrics`)).text()) },
    ...(await redisHaystacks(t.platform.redis)),
  ];
  const db = t.platform.db.connection.db;
  if (!db) throw new Error('no database handle');
  haystacks.push(...(await collectionHaystacks(db)));
  for (const dir of databaseDirs) haystacks.push(...filesBelow(dir));
  return haystacks;
}
