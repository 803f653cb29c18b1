import type { Connection, Model } from 'mongoose';
import { isDuplicateKey } from '../../scheduling/booking-errors.js';
import { ensureCollections } from '../../scheduling/scheduling-models.js';
import { mlsEpochClaimSchema, type MlsEpochClaim } from './mls-epoch-claim-model.js';

/** Longer than any session runs without a single join or leave: 12 hours. */
const CLAIMS_KEPT_AFTER_QUIET_MS = 12 * 3600_000;

/** An epoch as the database holds it: the authority on which commit began it. */
export interface EpochClaim {
  readonly roomId: string;
  readonly generation: string;
  readonly epoch: number;
  readonly leaves: ReadonlyArray<string | null>;
  /** null at a group's start. */
  readonly committer: string | null;
  readonly added: readonly string[];
  readonly workRemains: boolean;
  readonly at: number;
}

/**
 * The authoritative epoch of each room's MLS group: one claim document per
 * epoch, inserted under a unique index before Redis (which replicates
 * asynchronously and may lose an acknowledged write in a failover) is told.
 * A commit counts only once its claim is in; Redis is a copy that is
 * repaired from here when it disagrees (`MlsGroupRoster`).
 */
export class MlsEpochClaims {
  private constructor(private readonly claims: Model<MlsEpochClaim>) {}

  /** Binds the model on this connection (reused when already bound) and makes sure the unique index exists. */
  static async bind(connection: Connection): Promise<MlsEpochClaims> {
    const model = (connection.models.MlsEpochClaim as Model<MlsEpochClaim> | undefined) ?? connection.model('MlsEpochClaim', mlsEpochClaimSchema);
    await ensureCollections([model as Model<unknown>]);
    return new MlsEpochClaims(model);
  }

  /** True when this claim was inserted; false when another commit (on any node) claimed the epoch first. */
  async claim(claim: EpochClaim): Promise<boolean> {
    try {
      await this.claims.create({
        roomId: claim.roomId,
        generation: claim.generation,
        epoch: claim.epoch,
        leaves: claim.leaves.map((peerId) => peerId ?? ''),
        committer: claim.committer ?? '',
        added: [...claim.added],
        workRemains: claim.workRemains,
        at: claim.at,
      });
      return true;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  /** The generation of the room's group started last (by the claiming nodes' clocks), or undefined when the room has no claim. */
  async newestGeneration(roomId: string): Promise<string | undefined> {
    const newest = await this.claims.findOne({ roomId }, { generation: 1 }).sort({ at: -1, epoch: -1 }).lean();
    return newest?.generation;
  }

  /** The highest claimed epoch of this generation, if any: within a generation the epoch orders, not the clock. */
  async latest(roomId: string, generation: string): Promise<EpochClaim | undefined> {
    const found = await this.claims.findOne({ roomId, generation }).sort({ epoch: -1 }).lean();
    return found ? toClaim(found) : undefined;
  }

  /** The room ended: its group's history goes with it. */
  async end(roomId: string): Promise<void> {
    await this.claims.deleteMany({ roomId });
  }

  /**
   * Removes the history of rooms with no epoch for `quietMs`: a room whose
   * node died never reached `end`. A room with a newer epoch keeps all of
   * its history. Returns how many claims went.
   */
  async sweep(now: number, quietMs = CLAIMS_KEPT_AFTER_QUIET_MS): Promise<number> {
    const cutoff = now - quietMs;
    const rooms = (await this.claims.distinct('roomId', { at: { $lt: cutoff } })) as string[];
    let removed = 0;
    for (const roomId of rooms) {
      if (await this.claims.exists({ roomId, at: { $gte: cutoff } })) continue;
      removed += (await this.claims.deleteMany({ roomId, at: { $lt: cutoff } })).deletedCount;
    }
    return removed;
  }
}

function toClaim(found: MlsEpochClaim): EpochClaim {
  return {
    roomId: found.roomId,
    generation: found.generation,
    epoch: found.epoch,
    leaves: found.leaves.map((peerId) => (peerId === '' ? null : peerId)),
    committer: found.committer ? found.committer : null,
    added: found.added,
    workRemains: found.workRemains,
    at: found.at,
  };
}
