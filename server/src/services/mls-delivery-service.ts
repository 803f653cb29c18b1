import type { MlsJoinInfo } from '@care/shared';
import type { Redis } from 'ioredis';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';
import type { LiveRoomService } from './live-room-service.js';
import type { Notifier } from './room-notifier.js';

// Accept a commit only for the current epoch, and move the epoch on, in one
// atomic step: the first commit for an epoch wins, others are told to retry.
const ACCEPT_COMMIT = `
local current = redis.call('GET', KEYS[1])
if current == false or current ~= ARGV[1] then return -1 end
redis.call('SET', KEYS[1], tostring(tonumber(current) + 1), 'EX', ARGV[2])
return tonumber(current) + 1
`;

/** A room's group state lives as long as the room, and at most this long. */
const GROUP_TTL_SECONDS = 12 * 3600;

/**
 * The MLS delivery service. It keeps only the number of each room's current
 * epoch, orders commits, and forwards KeyPackages, Welcomes and application
 * messages (chat, end-to-end encrypted) as opaque bytes to the peers of the
 * room. It never sees a key, a secret or a message's content. Each
 * connection may send a burst of 10 messages and then about one a second.
 */
export class MlsDeliveryService {
  readonly #limiter = new RateLimiterMemory({ points: 10, duration: 10 });

  constructor(
    private readonly redis: Redis,
    private readonly rooms: LiveRoomService,
    private readonly notifier: Notifier,
  ) {}

  /** The first peer of a room creates the group (epoch 0); everyone after joins it. */
  async joinInfo(roomId: string, connectionId: string): Promise<MlsJoinInfo> {
    // Alone in the room: any group left from before is gone with its members.
    if (this.rooms.peersIn(roomId).every((p) => p.connectionId === connectionId)) {
      await this.redis.set(this.#epochKey(roomId), '0', 'EX', GROUP_TTL_SECONDS);
      return { role: 'create', epoch: 0 };
    }
    const created = await this.redis.set(this.#epochKey(roomId), '0', 'EX', GROUP_TTL_SECONDS, 'NX');
    if (created === 'OK') return { role: 'create', epoch: 0 };
    const epoch = await this.redis.get(this.#epochKey(roomId));
    return { role: 'join', epoch: epoch === null ? null : Number(epoch) };
  }

  /** Hands a joiner's KeyPackage to the group's members; the designated one commits the Add. */
  publishKeyPackage(connectionId: string, keyPackage: Uint8Array): void {
    const peer = this.rooms.peerOf(connectionId);
    for (const other of this.rooms.peersIn(peer.roomId)) {
      if (other.connectionId === connectionId) continue;
      this.notifier.toConnection(other.connectionId, 'mls:key-package', { peerId: peer.peerId, keyPackage });
    }
  }

  async submitCommit(
    connectionId: string,
    commit: { epoch: number; commit: Uint8Array; welcome?: Uint8Array | undefined; welcomePeerIds?: string[] | undefined },
  ): Promise<{ accepted: boolean; epoch: number }> {
    const peer = this.rooms.peerOf(connectionId);
    const result = (await this.redis.eval(ACCEPT_COMMIT, 1, this.#epochKey(peer.roomId), String(commit.epoch), String(GROUP_TTL_SECONDS))) as number;
    if (result < 0) {
      const current = await this.redis.get(this.#epochKey(peer.roomId));
      return { accepted: false, epoch: current === null ? commit.epoch : Number(current) };
    }
    const welcomed = new Set(commit.welcomePeerIds ?? []);
    for (const other of this.rooms.peersIn(peer.roomId)) {
      if (other.connectionId === connectionId) continue;
      if (welcomed.has(other.peerId)) {
        if (commit.welcome) this.notifier.toConnection(other.connectionId, 'mls:welcome', { epoch: result, welcome: commit.welcome });
      } else {
        this.notifier.toConnection(other.connectionId, 'mls:commit', { fromPeerId: peer.peerId, epoch: commit.epoch, commit: commit.commit });
      }
    }
    return { accepted: true, epoch: result };
  }

  /** Relays an application message (chat) to the others in the room, and forgets it. */
  async relayApplicationMessage(connectionId: string, epoch: number, message: Uint8Array): Promise<{ sentAt: string }> {
    const peer = this.rooms.peerOf(connectionId);
    try {
      await this.#limiter.consume(connectionId);
    } catch {
      throw new AppError('rate_limited', 'You are sending messages very quickly. Please wait a moment.');
    }
    // Everyone in the room is at the server's epoch once its commit reached them, so a
    // message for another epoch could not be read by all: the sender re-encrypts it.
    const current = await this.redis.get(this.#epochKey(peer.roomId));
    if (current === null || Number(current) !== epoch) {
      throw new AppError('stale_epoch', 'The group moved to a new epoch; encrypt the message again.');
    }
    const sentAt = new Date().toISOString();
    for (const other of this.rooms.peersIn(peer.roomId)) {
      if (other.connectionId === connectionId) continue;
      this.notifier.toConnection(other.connectionId, 'mls:message', { fromPeerId: peer.peerId, epoch, message, sentAt });
    }
    return { sentAt };
  }

  /** The room emptied: its group ends with it. */
  async endGroup(roomId: string): Promise<void> {
    await this.redis.del(this.#epochKey(roomId));
  }

  #epochKey(roomId: string): string {
    return `mls:${roomId}:epoch`;
  }
}
