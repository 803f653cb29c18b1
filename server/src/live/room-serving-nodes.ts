import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';

/** How long a signal node counts as alive after its last heartbeat, and how often it beats. */
export interface ServingTimings {
  aliveMs: number;
  beatMs: number;
  /** How long a claim lives without its node's refresh (a refresh comes every beat). */
  claimMs: number;
  /** A claim is kept this long after it was made even with nobody in the room yet (the seat is on its way). */
  settleMs: number;
}

const DEFAULT_TIMINGS: ServingTimings = { aliveMs: 3_000, beatMs: 1_000, claimMs: 10_000, settleMs: 10_000 };

const servingKey = (roomId: string) => `live:serving:${roomId}`;
const ALIVE_PREFIX = 'live:signal-alive:';

/**
 * Takes the room for this node unless a live node holds it. A node whose
 * heartbeat lapsed (killed, or cut off from Redis) holds nothing: its rooms
 * go to whoever seats someone there next. Returns the holder.
 */
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] or redis.call('EXISTS', ARGV[3] .. holder) == 0 then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return ARGV[1]
end
return holder`;

/**
 * One beat, one command, however many rooms the node holds: says the node is
 * alive (KEYS[1]), then for each room (KEYS[2..]) keeps its claim alive if it
 * is still this node's (1), takes it again if it lapsed with nobody else
 * claiming it since (3: this node was held up past the claim's life, but
 * still serves the room's people), or gives it up ('release': 2); 0 when
 * another node holds it now. ARGV: node id, alive ms, claim ms, then one
 * action per room.
 */
const BEAT = `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[2])
local out = {}
for i = 2, #KEYS do
  local holder = redis.call('GET', KEYS[i])
  local mine = holder == ARGV[1]
  if ARGV[i + 2] == 'release' then
    if mine then redis.call('DEL', KEYS[i]) end
    out[i - 1] = 2
  elseif mine then
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
    out[i - 1] = 1
  elseif holder == false then
    redis.call('SET', KEYS[i], ARGV[1], 'PX', ARGV[3])
    out[i - 1] = 3
  else
    out[i - 1] = 0
  end
end
return out`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/**
 * Which signal node serves each live room. A room's roster, its lobby
 * preparations and its MLS delivery live in the memory of one node
 * (LiveRooms, MlsDelivery), so all of a room's pages must be on that node:
 * the two pages of a 1:1 on two nodes would each sit alone and never share a
 * key. The balancer should send them together (each session page's socket
 * carries `route=<session id>` to hash on; docs/DEPLOY.md). This is what
 * holds when it does not: the first node to seat someone claims the room in
 * Redis, and while that node is alive another refuses to seat anyone there
 * ('wrong_node'; the page connects again and the balancer picks anew). A
 * node that dies stops its heartbeat and its claims lapse with it; one that
 * stops cleanly gives them up at once. Redis keeps opaque ids only.
 */
export class RoomServingNodes {
  readonly nodeId = randomUUID();
  /** Rooms this node holds, with when each was claimed. */
  readonly #held = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #beating: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    /** Whether this node still has anyone of the room, seated or waiting prepared. */
    private readonly stillServing: (roomId: string) => boolean,
    private readonly log: Logger,
    private readonly timings: ServingTimings = DEFAULT_TIMINGS,
  ) {}

  /** Says this node is alive, and keeps saying so (and keeps its rooms) every beat. */
  async start(): Promise<void> {
    await this.#alive();
    this.#timer = setInterval(() => {
      this.#beating = this.#beat().catch((error: unknown) => this.log.warn({ err: error }, 'could not renew the rooms this node serves'));
    }, this.timings.beatMs);
    this.#timer.unref();
  }

  /** Whether this node holds the room now, as far as it knows. */
  holds(roomId: string): boolean {
    return this.#held.has(roomId);
  }

  /** The room is served here from now on, or 'wrong_node' if another live node serves it. */
  async claim(roomId: string): Promise<void> {
    if (this.#held.has(roomId)) return;
    const holder = (await this.redis.eval(CLAIM, 1, servingKey(roomId), this.nodeId, this.timings.claimMs, ALIVE_PREFIX)) as string;
    if (holder !== this.nodeId) {
      this.log.info({ roomId }, 'room served by another signal node; seat refused');
      throw new AppError('wrong_node', 'This session is served by another server. Connecting to it again…');
    }
    this.#held.set(roomId, Date.now());
  }

  async #alive(): Promise<void> {
    await this.redis.set(`${ALIVE_PREFIX}${this.nodeId}`, '1', 'PX', this.timings.aliveMs);
  }

  async #beat(): Promise<void> {
    const now = Date.now();
    const rooms = [...this.#held].map(([roomId, claimedAt]) => ({
      roomId,
      release: !this.stillServing(roomId) && now - claimedAt > this.timings.settleMs,
    }));
    for (const { roomId, release } of rooms) if (release) this.#held.delete(roomId);
    const kept = (await this.redis.eval(
      BEAT,
      1 + rooms.length,
      `${ALIVE_PREFIX}${this.nodeId}`,
      ...rooms.map(({ roomId }) => servingKey(roomId)),
      this.nodeId,
      this.timings.aliveMs,
      this.timings.claimMs,
      ...rooms.map(({ release }) => (release ? 'release' : 'keep')),
    )) as number[];
    rooms.forEach(({ roomId }, i) => {
      if (kept[i] === 3) this.log.warn({ roomId }, 'the claim on a room this node serves had lapsed; taken again');
      if (kept[i] !== 0) return;
      // Our heartbeat lapsed (Redis away for a while) and another node seated someone there: it serves the room now.
      this.#held.delete(roomId);
      this.log.warn({ roomId }, 'another signal node took over a room this node served');
    });
  }

  /** Stops beating and gives every room up, so other nodes may serve them at once. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#beating;
    const rooms = [...this.#held.keys()];
    this.#held.clear();
    await Promise.all([
      this.redis.del(`${ALIVE_PREFIX}${this.nodeId}`),
      ...rooms.map((roomId) => this.redis.eval(RELEASE, 1, servingKey(roomId), this.nodeId)),
    ]).catch((error: unknown) => this.log.debug({ err: error }, 'could not give up the rooms this node served'));
  }
}
