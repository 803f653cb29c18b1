import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';

/*
 * The media nodes in Redis (issue 14, roles). Each media node writes its
 * entry every 2 s with a short TTL; an entry older than 5 s, or a node
 * draining, gets no new rooms. A room's home (room id → node id) is picked
 * under a short lock so two signal nodes placing the same room at once agree,
 * and it lives as long as the room is used (refreshed). Only opaque ids and
 * the nodes' own network addresses are written here, never a person's.
 */

export const HEARTBEAT_EVERY_MS = 2000;
/** An entry this old gets no new rooms. */
export const FRESH_FOR_MS = 5000;
/** A home not refreshed for this long is forgotten (a room is refreshed every HOME_REFRESH_MS while open). */
const HOME_TTL_MS = 60_000;
export const HOME_REFRESH_MS = 20_000;
const LOCK_TTL_MS = 3000;

const NODES_KEY = 'media:nodes';
const nodeKey = (nodeId: string) => `media:node:${nodeId}`;
const homeKey = (roomId: string) => `media:home:${roomId}`;
const lockKey = (roomId: string) => `media:home-lock:${roomId}`;

export const MediaNodeEntry = z.object({
  nodeId: z.string().uuid(),
  /** The address the node's media is announced on. */
  address: z.string().max(255),
  /** Where signal nodes reach its control channel (ws://host:port). */
  controlUrl: z.string().max(255),
  /** max(cpu, egress share), 0 to 1. */
  load: z.number().min(0),
  state: z.enum(['up', 'draining']),
  /** When it was written (ms since the epoch). */
  at: z.number(),
});
export type MediaNodeEntry = z.infer<typeof MediaNodeEntry>;

/** Deletes the key only if it still holds this token (the lock taken here, not one taken after it expired). */
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export class MediaNodeRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly now: () => number = Date.now,
  ) {}

  /** A media node's heartbeat. */
  async publish(entry: Omit<MediaNodeEntry, 'at'>): Promise<void> {
    const value: MediaNodeEntry = { ...entry, at: this.now() };
    await this.redis.multi().set(nodeKey(entry.nodeId), JSON.stringify(value), 'PX', FRESH_FOR_MS + HEARTBEAT_EVERY_MS).sadd(NODES_KEY, entry.nodeId).exec();
  }

  /** A media node stopping takes itself out at once. */
  async withdraw(nodeId: string): Promise<void> {
    await this.redis.multi().del(nodeKey(nodeId)).srem(NODES_KEY, nodeId).exec();
  }

  /** Every node whose entry is still there, fresh or not (forgotten ones leave the set). */
  async nodes(): Promise<MediaNodeEntry[]> {
    const ids = await this.redis.smembers(NODES_KEY);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(ids.map(nodeKey));
    const gone = ids.filter((_, index) => values[index] === null);
    if (gone.length) await this.redis.srem(NODES_KEY, ...gone);
    return values.flatMap((value) => {
      if (value === null) return [];
      const parsed = MediaNodeEntry.safeParse(JSON.parse(value));
      return parsed.success ? [parsed.data] : [];
    });
  }

  fresh(entry: MediaNodeEntry): boolean {
    return this.now() - entry.at <= FRESH_FOR_MS;
  }

  /** The node a room lives on, if it has a home that is still fresh; `avoid` are nodes known here to be gone. */
  async homeOf(roomId: string, avoid: ReadonlySet<string> = new Set()): Promise<MediaNodeEntry | undefined> {
    const nodeId = await this.redis.get(homeKey(roomId));
    if (!nodeId || avoid.has(nodeId)) return undefined;
    const value = await this.redis.get(nodeKey(nodeId));
    if (!value) return undefined;
    const parsed = MediaNodeEntry.safeParse(JSON.parse(value));
    // A draining node keeps its rooms (they finish there); a silent one does not.
    return parsed.success && this.fresh(parsed.data) ? parsed.data : undefined;
  }

  /**
   * The room's home: the recorded one if it is alive, else the least loaded
   * fresh node that is not draining, recorded under a short lock (SET NX PX)
   * so signal nodes placing the room at once pick the same node.
   */
  async placeRoom(roomId: string, avoid: ReadonlySet<string> = new Set()): Promise<MediaNodeEntry | undefined> {
    const deadline = this.now() + LOCK_TTL_MS;
    for (;;) {
      const home = await this.homeOf(roomId, avoid);
      if (home) return home;
      const token = randomUUID();
      if (await this.redis.set(lockKey(roomId), token, 'PX', LOCK_TTL_MS, 'NX')) {
        try {
          const again = await this.homeOf(roomId, avoid);
          if (again) return again;
          const candidates = (await this.nodes()).filter((node) => node.state === 'up' && this.fresh(node) && !avoid.has(node.nodeId));
          const best = candidates.sort((a, b) => a.load - b.load)[0];
          if (best) await this.redis.set(homeKey(roomId), best.nodeId, 'PX', HOME_TTL_MS);
          return best;
        } finally {
          await this.redis.eval(RELEASE_LOCK, 1, lockKey(roomId), token);
        }
      }
      if (this.now() > deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * The room is still used on its home: keep the record. One forgotten (a
   * room spanning nodes lost its first home and lives on on the next) is
   * written again, unless another signal node has placed the room meanwhile.
   */
  async refreshHome(roomId: string, nodeId: string): Promise<void> {
    const current = await this.redis.get(homeKey(roomId));
    if (current === nodeId) await this.redis.pexpire(homeKey(roomId), HOME_TTL_MS);
    else if (current === null) await this.redis.set(homeKey(roomId), nodeId, 'PX', HOME_TTL_MS, 'NX');
  }

  /** The room's home is gone (its node failed): the next join places it afresh. Only if it still names that node. */
  async forgetHome(roomId: string, nodeId: string): Promise<void> {
    await this.redis.eval(RELEASE_LOCK, 1, homeKey(roomId), nodeId);
  }
}
