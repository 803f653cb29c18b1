import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { EpochClaim, MlsEpochClaims } from './mls-epoch-claims.js';
import { isDatabaseUnavailable } from '../../errors.js';

/** What a claims call gives back while the database cannot be reached. */
const DATABASE_DOWN: unique symbol = Symbol('database down');
/**
 * How long a claims call may keep a room waiting: a refused database fails at
 * once, but a silent one only after the driver's timeouts (3–10 s), and a
 * join or commit must not wait that long.
 */
const CLAIM_WAIT_MS = 2000;
/** After the database was found away, the claims are not asked again for this long. */
const DOWN_FOR_MS = 5000;

/** Who holds a leaf: a peer of the room (an opaque id). */
export interface LeafHolder {
  readonly peerId: string;
}

/** A room's group as the delivery service knows it: no secret, only who sits where. */
export interface GroupRecord {
  /** Changes when the group starts afresh, so a commit for an older group at the same epoch number cannot apply. */
  readonly generation: string;
  readonly epoch: number;
  /** By leaf index; null is a blank leaf. */
  readonly leaves: ReadonlyArray<LeafHolder | null>;
  /** When the epoch began (ms). */
  readonly epochAt: number;
  /** When an add or remove first became due in this epoch (ms), if one did. */
  readonly dueAt: number | null;
  /** Whose commit began this epoch (none at epoch 0). */
  readonly committer: string | null;
  /** The KeyPackage references (hex) each peer announced lately, newest last. */
  readonly keyPackages: ReadonlyMap<string, readonly string[]>;
  /** Members who lost their group state and asked to be added anew. */
  readonly rejoining: ReadonlySet<string>;
}

/** A room's group state lives as long as the room, and at most this long. */
const GROUP_TTL_SECONDS = 12 * 3600;

// Writes an epoch the database has claimed (ARGV[2..]) into the copy, unless
// the copy is already there or beyond: only over the generation the caller
// read (ARGV[1]; none at all also does), so a repair from an older read cannot
// undo a group started afresh meanwhile. 1 when written.
const RESTORE = `
local current = redis.call('HGET', KEYS[1], 'generation')
if current and current ~= ARGV[1] then return 0 end
if current == ARGV[2] and tonumber(redis.call('HGET', KEYS[1], 'epoch')) >= tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'generation', ARGV[2], 'epoch', ARGV[3], 'leaves', ARGV[4], 'epochAt', ARGV[5])
if ARGV[6] == '' then redis.call('HDEL', KEYS[1], 'committer') else redis.call('HSET', KEYS[1], 'committer', ARGV[6]) end
if ARGV[7] == '1' then redis.call('HSET', KEYS[1], 'dueAt', ARGV[5]) else redis.call('HDEL', KEYS[1], 'dueAt') end
redis.call('EXPIRE', KEYS[1], ARGV[8])
for i = 9, #ARGV do redis.call('SREM', KEYS[2], ARGV[i]) end
return 1
`;

// Starts the group with its creator at leaf 0, on a condition (ARGV[5]): '*'
// always, '' only when there is none, else only while the group is still that
// generation (two peers restarting at once must not make two groups). The
// others' KeyPackages stay when they are still waiting in the room, for the
// creator to add them. 1 when created, 0 when the condition did not hold.
const CREATE = `
local current = redis.call('HGET', KEYS[1], 'generation')
if ARGV[5] == '' and current then return 0 end
if ARGV[5] ~= '*' and ARGV[5] ~= '' and current and current ~= ARGV[5] then return 0 end
redis.call('DEL', KEYS[1], KEYS[3])
if ARGV[6] == '1' then redis.call('DEL', KEYS[2]) else redis.call('HDEL', KEYS[2], ARGV[7]) end
redis.call('HSET', KEYS[1], 'generation', ARGV[1], 'epoch', '0', 'leaves', ARGV[2], 'epochAt', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`;

// Records a KeyPackage (the peer's last few, space-separated), a rejoin, and
// that work is due, if the group exists.
const ANNOUNCE = `
local refs = redis.call('HGET', KEYS[2], ARGV[1])
local list = {}
if refs then for ref in string.gmatch(refs, '%S+') do table.insert(list, ref) end end
table.insert(list, ARGV[2])
while #list > tonumber(ARGV[6]) do table.remove(list, 1) end
redis.call('HSET', KEYS[2], ARGV[1], table.concat(list, ' '))
redis.call('EXPIRE', KEYS[2], ARGV[4])
if ARGV[5] == '1' then
  redis.call('SADD', KEYS[3], ARGV[1])
  redis.call('EXPIRE', KEYS[3], ARGV[4])
end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSETNX', KEYS[1], 'dueAt', ARGV[3]) end
return 1
`;

/** KeyPackages remembered per peer: a joiner's retries may cross the committer's Add of an earlier one. */
const KEY_PACKAGES_PER_PEER = 4;

// Only for a group that still exists: an ended one must not come back as a key without expiry.
const MARK_DUE = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSETNX', KEYS[1], 'dueAt', ARGV[1]) end
return 1
`;

/**
 * The leaf ↔ peer map of each room's group, with its epoch, in Redis so every
 * node reads the same. It changes only with the epoch, as RFC 9420 assigns
 * leaves: removes blank theirs, adds fill the leftmost blank leaf or extend
 * the tree. Peer ids are opaque; nothing here names a person.
 *
 * Redis is a copy: the epoch is decided by claims in the database
 * (`MlsEpochClaims`), because Redis replication is asynchronous and a
 * failover can lose an acknowledged advance, after which a second commit for
 * the same epoch would be taken and the group fork. Each read compares the
 * copy with the claims and repairs it when it is behind or gone; the database
 * wins.
 */
export class MlsGroupRoster {
  #databaseDownUntil = 0;

  constructor(
    private readonly redis: Redis,
    private readonly claims: MlsEpochClaims,
  ) {}

  /**
   * One call to the claims, or DATABASE_DOWN when the database refuses, stays
   * silent past CLAIM_WAIT_MS, or was found away in the last DOWN_FOR_MS. A
   * claim that lands after its wait ran out holds what Redis was then told, so
   * the two agree.
   */
  async #ask<T>(call: () => Promise<T>): Promise<T | typeof DATABASE_DOWN> {
    if (Date.now() < this.#databaseDownUntil) return DATABASE_DOWN;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<typeof DATABASE_DOWN>((resolve) => {
      timer = setTimeout(() => resolve(DATABASE_DOWN), CLAIM_WAIT_MS);
    });
    const answer: Promise<T | typeof DATABASE_DOWN> = call().catch((error: unknown): typeof DATABASE_DOWN => {
      if (isDatabaseUnavailable(error)) return DATABASE_DOWN;
      throw error;
    });
    try {
      const result = await Promise.race([answer, late]);
      if (result === DATABASE_DOWN) {
        this.#databaseDownUntil = Date.now() + DOWN_FOR_MS;
        // Whatever the call comes to later, nobody waits for it.
        answer.catch(() => undefined);
      }
      return result;
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The room's group, repaired from the claims first if Redis lost some of it.
   * While the database is away the Redis copy is all there is, and it is used:
   * a room keeps working through a database outage (see advance).
   */
  async read(roomId: string): Promise<GroupRecord | undefined> {
    const [cached, newest] = await Promise.all([this.#readCopy(roomId), this.#ask(() => this.claims.newestGeneration(roomId))]);
    if (newest === DATABASE_DOWN) return cached;
    // No claim: no group, or one whose start is being claimed right now.
    if (newest === undefined) return cached;
    try {
      let authority: EpochClaim | undefined | typeof DATABASE_DOWN;
      if (!cached || cached.generation === newest) {
        authority = await this.#ask(() => this.claims.latest(roomId, newest));
        if (authority === DATABASE_DOWN || !authority || (cached && cached.epoch >= authority.epoch)) return cached;
      } else {
        // Another generation than the newest claimed: either one just started (its claim not in
        // yet; the copy is right) or an older one Redis went back to (the claims win).
        const own = await this.#ask(() => this.claims.latest(roomId, cached.generation));
        if (own === DATABASE_DOWN || !own) return cached;
        authority = await this.#ask(() => this.claims.latest(roomId, newest));
        if (authority === DATABASE_DOWN || !authority) return cached;
      }
      await this.#restore(authority, cached?.generation ?? '');
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      return cached;
    }
    return this.#readCopy(roomId);
  }

  async #readCopy(roomId: string): Promise<GroupRecord | undefined> {
    // One MULTI: the leaves, the KeyPackages and the rejoiners as of one moment.
    const replies = await this.redis
      .multi()
      .hgetall(this.#groupKey(roomId))
      .hgetall(this.#keyPackagesKey(roomId))
      .smembers(this.#rejoiningKey(roomId))
      .exec();
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (!replies || failed) throw failed ?? new Error('the MLS group read was aborted');
    const group = replies[0]?.[1] as Record<string, string>;
    const keyPackages = replies[1]?.[1] as Record<string, string>;
    const rejoining = replies[2]?.[1] as string[];
    if (group.generation === undefined || group.epoch === undefined || group.leaves === undefined) return undefined;
    return {
      generation: group.generation,
      epoch: Number(group.epoch),
      leaves: JSON.parse(group.leaves) as Array<LeafHolder | null>,
      epochAt: Number(group.epochAt ?? 0),
      dueAt: group.dueAt === undefined ? null : Number(group.dueAt),
      committer: group.committer ?? null,
      keyPackages: new Map(Object.entries(keyPackages).map(([peerId, refs]) => [peerId, refs.split(' ')])),
      rejoining: new Set(rejoining),
    };
  }

  /** The epoch number only (for application messages). */
  async epoch(roomId: string): Promise<number | undefined> {
    const epoch = await this.redis.hget(this.#groupKey(roomId), 'epoch');
    return epoch === null ? undefined : Number(epoch);
  }

  /**
   * Starts the room's group afresh with `creatorPeerId` alone at leaf 0, epoch 0.
   * `keepWaiting`: the KeyPackages of others waiting in the room stay announced.
   * `replacing`: only if the group is still this generation (or gone); false if not.
   */
  create(roomId: string, creatorPeerId: string, now: number, options: { keepWaiting?: boolean; replacing?: string } = {}): Promise<boolean> {
    return this.#create(roomId, creatorPeerId, now, options.replacing ?? '*', options.keepWaiting !== true);
  }

  /** True when this call created the group (the peer is its creator). A group Redis lost but the claims hold is put back, not replaced. */
  async createIfAbsent(roomId: string, creatorPeerId: string, now: number): Promise<boolean> {
    if (await this.read(roomId)) return false;
    return this.#create(roomId, creatorPeerId, now, '', true);
  }

  async #create(roomId: string, creatorPeerId: string, now: number, condition: string, clearKeyPackages: boolean): Promise<boolean> {
    const generation = randomUUID();
    const created = await this.redis.eval(
      CREATE,
      3,
      this.#groupKey(roomId),
      this.#keyPackagesKey(roomId),
      this.#rejoiningKey(roomId),
      generation,
      JSON.stringify([{ peerId: creatorPeerId } satisfies LeafHolder]),
      String(now),
      String(GROUP_TTL_SECONDS),
      condition,
      clearKeyPackages ? '1' : '0',
      creatorPeerId,
    );
    if (created !== 1) return false;
    // Redis decided which start wins (the condition); the claim makes it the room's newest group
    // (with the database away, the group stands in Redis alone until its next claimed epoch).
    await this.#ask(() => this.claims.claim({ roomId, generation, epoch: 0, leaves: [creatorPeerId], committer: null, added: [], workRemains: false, at: now }));
    return true;
  }

  /** `rejoin`: the peer holds a leaf but lost its group state. */
  async announceKeyPackage(roomId: string, peerId: string, ref: string, rejoin: boolean, now: number): Promise<void> {
    await this.redis.eval(
      ANNOUNCE,
      3,
      this.#groupKey(roomId),
      this.#keyPackagesKey(roomId),
      this.#rejoiningKey(roomId),
      peerId,
      ref,
      String(now),
      String(GROUP_TTL_SECONDS),
      rejoin ? '1' : '0',
      String(KEY_PACKAGES_PER_PEER),
    );
  }

  /** Someone holding a leaf left: their removal is due (unless something else already was). */
  async markDue(roomId: string, now: number): Promise<void> {
    await this.redis.eval(MARK_DUE, 1, this.#groupKey(roomId), String(now));
  }

  /**
   * The new epoch number, or undefined when another commit (on any node)
   * claimed the epoch first. The claim is the commit point; Redis is told
   * after it. `added`: now seated, no longer rejoining.
   */
  async advance(
    roomId: string,
    from: GroupRecord,
    change: { committer: string; leaves: ReadonlyArray<LeafHolder | null>; addedPeerIds: readonly string[]; workRemains: boolean },
    now: number,
  ): Promise<number | undefined> {
    const claim: EpochClaim = {
      roomId,
      generation: from.generation,
      epoch: from.epoch + 1,
      leaves: change.leaves.map((holder) => holder?.peerId ?? null),
      committer: change.committer,
      added: change.addedPeerIds,
      workRemains: change.workRemains,
      at: now,
    };
    const won = await this.#ask(() => this.claims.claim(claim));
    if (won === DATABASE_DOWN) {
      // The database is away: Redis decides alone, atomically on the epoch (as before the claims),
      // so the room keeps working. Only a Redis failover during the outage could still fork it.
      return (await this.#restore(claim, from.generation)) ? claim.epoch : undefined;
    }
    if (!won) {
      // Lost: whatever Redis says, the copy catches up with the winner now.
      await this.read(roomId);
      return undefined;
    }
    await this.#restore(claim, from.generation);
    return claim.epoch;
  }

  /** Writes a claimed epoch into Redis over the generation last read there ('' for none). */
  async #restore(claim: EpochClaim, over: string): Promise<boolean> {
    const restored = await this.redis.eval(
      RESTORE,
      2,
      this.#groupKey(claim.roomId),
      this.#rejoiningKey(claim.roomId),
      over,
      claim.generation,
      String(claim.epoch),
      JSON.stringify(claim.leaves.map((peerId): LeafHolder | null => (peerId === null ? null : { peerId }))),
      String(claim.at),
      claim.committer ?? '',
      claim.workRemains ? '1' : '0',
      String(GROUP_TTL_SECONDS),
      ...claim.added,
    );
    return restored === 1;
  }

  /** The peer left the room: what it announced goes with it. */
  async forget(roomId: string, peerId: string): Promise<void> {
    await Promise.all([this.redis.hdel(this.#keyPackagesKey(roomId), peerId), this.redis.srem(this.#rejoiningKey(roomId), peerId)]);
  }

  /** The room ended: the group goes, from Redis and from the claims. */
  async end(roomId: string): Promise<void> {
    // Claims that cannot be removed now (database away) stay; nothing reads a finished room's claims.
    await Promise.all([this.redis.del(this.#groupKey(roomId), this.#keyPackagesKey(roomId), this.#rejoiningKey(roomId)), this.#ask(() => this.claims.end(roomId))]);
  }

  #groupKey(roomId: string): string {
    return `mls:${roomId}:group`;
  }

  #keyPackagesKey(roomId: string): string {
    return `mls:${roomId}:key-packages`;
  }

  #rejoiningKey(roomId: string): string {
    return `mls:${roomId}:rejoining`;
  }
}
