import type { KeyPackageArrived, KeyPackagePublished, MlsJoinInfo } from '@care/shared';
import { AppError } from '../../errors.js';
import type { LocalFanOut, Notifier } from '../../notifier.js';
import type { LivePeer } from '../live-peer.js';
import type { LiveRooms } from '../live-rooms.js';
import { committerOrder, groupLostTo, mayCommit, planCommit } from './mls-commit-rules.js';
import { readCommit, readKeyPackage, readWelcome } from './mls-framing.js';
import type { MlsGroupRoster } from './mls-group-roster.js';

/** A room and the epoch of Redis's copy of its group (undefined: no group there). */
export interface RoomEpoch {
  readonly roomId: string;
  readonly epoch: number | undefined;
}

/**
 * The MLS delivery service. It orders each room's commits, keeps who sits at
 * which leaf (`MlsGroupRoster`), and forwards KeyPackages, Welcomes and
 * application messages (chat, end-to-end encrypted) to the peers of the room.
 * It reads public framing only (`mls-framing.ts`) and never sees a key, a
 * secret or a message's content; what it refuses, it refuses so that one
 * member cannot wedge or subvert the group for the others. How often each
 * connection may publish, commit or send is the request layer's budget
 * (`socket/request-budgets.ts`), not this service's.
 */
export class MlsDelivery {
  /**
   * KeyPackages published from the lobby, by peer: held here (on this node,
   * in memory, one per peer) and forwarded to nobody until the host admits
   * the publisher (`releaseHeld`); gone when the peer stops waiting.
   */
  readonly #held = new Map<string, { keyPackage: Uint8Array; ref: string }>();

  constructor(
    private readonly roster: MlsGroupRoster,
    private readonly rooms: LiveRooms,
    private readonly notifier: Notifier & LocalFanOut,
    private readonly now: () => number = Date.now,
  ) {}

  /** The first peer of a room creates the group (epoch 0); everyone after joins it. */
  async joinInfo(roomId: string, connectionId: string): Promise<MlsJoinInfo> {
    const peer = this.rooms.peerOf(connectionId);
    // Alone in the room: any group left from before is gone with its members.
    if (this.rooms.peersIn(roomId).every((p) => p.connectionId === connectionId)) {
      await this.roster.create(roomId, peer.peerId, this.now());
      return { role: 'create', epoch: 0 };
    }
    // Redis's copy says someone holds the group: a joiner needs no more (its Welcome says the epoch), and
    // asking the claims too would put two database reads on the way of everyone let in. Without a copy
    // (none yet, or a failover lost it) the claims decide, and restore the copy if they know the group.
    const copied = await this.roster.epoch(roomId);
    if (copied !== undefined) return { role: 'join', epoch: copied };
    if (await this.roster.createIfAbsent(roomId, peer.peerId, this.now())) return { role: 'create', epoch: 0 };
    return { role: 'join', epoch: (await this.roster.epoch(roomId)) ?? null };
  }

  /**
   * Hands a joiner's KeyPackage to the group's members; the designated one
   * commits the Add. The KeyPackage must name its publisher. A member
   * publishing again has lost its group state and asks to be added anew. If
   * nobody present still holds the group, the publisher starts it afresh.
   */
  async publishKeyPackage(connectionId: string, published: { keyPackage: Uint8Array; rejoin?: boolean | undefined }): Promise<KeyPackagePublished> {
    const { keyPackage } = published;
    const peer = this.rooms.mediaPeerOf(connectionId);
    const facts = await readKeyPackage(keyPackage);
    if (facts.participantId !== peer.peerId) throw new AppError('invalid_payload', 'A KeyPackage must name the peer that publishes it.');
    // Checked again after reading it: the peer may have left, or the host let it in, meanwhile.
    if (this.rooms.mediaPeerOf(connectionId) !== peer) throw new AppError('not_in_room', 'Join the session first.');
    if (!peer.admitted) {
      if (published.rejoin) throw new AppError('invalid_payload', 'Only a member of the group can ask to rejoin it.');
      this.#held.set(peer.peerId, { keyPackage, ref: facts.ref });
      return { create: false };
    }
    const before = await this.roster.read(peer.roomId);
    const seated = before?.leaves.some((holder) => holder?.peerId === peer.peerId) ?? false;
    // A joiner's periodic retry that crossed its Welcome: it is in, nothing to do.
    if (seated && !published.rejoin) return { create: false };
    const now = this.now();
    await this.roster.announceKeyPackage(peer.roomId, peer.peerId, facts.ref, seated, now);
    const record = await this.roster.read(peer.roomId);
    const present = this.#present(peer.roomId);
    // Nobody present still holds the group, or everyone else lost it to one committer's commit.
    const lostTo = record && seated ? groupLostTo(record, present, peer.peerId) : undefined;
    if (!record || committerOrder(record, present).length === 0 || lostTo !== undefined) {
      // Only if nobody restarted it meanwhile; otherwise this peer waits to be added like anyone.
      if (await this.roster.create(peer.roomId, peer.peerId, now, { keepWaiting: true, replacing: record?.generation ?? '' })) {
        const committer = lostTo === undefined ? undefined : this.rooms.peerById(lostTo);
        if (committer) this.notifier.toConnection(committer.connectionId, 'mls:group-restarted', {});
        return { create: true };
      }
    }
    this.#forward(peer.roomId, [{ peerId: peer.peerId, keyPackage, rejoin: seated }]);
    return { create: false };
  }

  /**
   * The host let these peers in: the KeyPackages they published while they
   * waited are announced now, and go to the room's members in one message
   * each, so the committer adds them all in one commit (one Welcome for all).
   * A peer that starts the group itself (`role: 'create'`) has none to add.
   * Those let in together get none of each other's: none of them is in the
   * group yet to add anyone, they join through the Welcome that adds them
   * all, and on a busy phone reading seven KeyPackages it can do nothing with
   * is time taken from its own entry.
   */
  async releaseHeld(roomId: string, entered: ReadonlyArray<{ peer: Pick<LivePeer, 'peerId'>; mls: MlsJoinInfo }>): Promise<void> {
    const released: Array<KeyPackageArrived & { ref: string }> = [];
    const now = this.now();
    for (const { peer, mls } of entered) {
      const held = this.#held.get(peer.peerId);
      this.#held.delete(peer.peerId);
      if (!held || mls.role !== 'join') continue;
      released.push({ peerId: peer.peerId, keyPackage: held.keyPackage, rejoin: false, ref: held.ref });
    }
    // All announced (side by side: "admit all" waits for none in turn) before any is handed on,
    // so the commit that adds them finds every one announced.
    await Promise.all(released.map(({ peerId, ref }) => this.roster.announceKeyPackage(roomId, peerId, ref, false, now)));
    const letIn = new Set(entered.map(({ peer }) => peer.peerId));
    this.#forward(
      roomId,
      released.map(({ peerId, keyPackage, rejoin }) => ({ peerId, keyPackage, rejoin })),
      letIn,
    );
  }

  /** Hands KeyPackages to everyone in the room but their publishers (and `skip`), in one message each. */
  #forward(roomId: string, keyPackages: readonly KeyPackageArrived[], skip: ReadonlySet<string> = new Set()): void {
    if (keyPackages.length === 0) return;
    for (const other of this.rooms.peersIn(roomId)) {
      if (skip.has(other.peerId)) continue;
      const theirs = keyPackages.filter((k) => k.peerId !== other.peerId);
      if (theirs.length > 0) this.notifier.toConnection(other.connectionId, 'mls:key-packages', { keyPackages: theirs });
    }
  }

  /** A peer stopped waiting without entering: what it published goes. */
  waitingEnded(peer: Pick<LivePeer, 'peerId'>): void {
    this.#held.delete(peer.peerId);
  }

  async submitCommit(connectionId: string, submitted: { commit: Uint8Array; welcome?: Uint8Array | undefined }): Promise<{ accepted: boolean; epoch: number }> {
    const peer = this.rooms.peerOf(connectionId);
    const facts = await readCommit(submitted.commit, peer.roomId);
    const welcomeRefs = submitted.welcome === undefined ? undefined : readWelcome(submitted.welcome);
    const record = await this.roster.read(peer.roomId);
    if (!record) throw new AppError('invalid_payload', 'This room has no group to commit to.');
    // A commit built on an older epoch lost a race to one already delivered: not an offence.
    if (facts.epoch < record.epoch) return { accepted: false, epoch: record.epoch };
    if (facts.epoch > record.epoch) throw new AppError('invalid_payload', 'The commit is for an epoch the group has not reached.');
    if (record.leaves[facts.senderLeaf]?.peerId !== peer.peerId) throw new AppError('invalid_payload', 'The commit names a sender leaf that is not yours.');
    const present = this.#present(peer.roomId);
    const plan = planCommit(record, facts, present, welcomeRefs);
    const now = this.now();
    if (!mayCommit(record, present, facts.senderLeaf, now)) {
      throw new AppError('not_committer', 'Another member commits for the group now; wait for its commit.');
    }
    const epoch = await this.roster.advance(peer.roomId, record, { ...plan, committer: peer.peerId }, now);
    if (epoch === undefined) return { accepted: false, epoch: (await this.roster.epoch(peer.roomId)) ?? record.epoch };
    const added = new Set(plan.addedPeerIds);
    for (const other of this.rooms.peersIn(peer.roomId)) {
      if (other.connectionId === connectionId) continue;
      if (added.has(other.peerId)) {
        if (submitted.welcome) this.notifier.toConnection(other.connectionId, 'mls:welcome', { epoch, welcome: submitted.welcome });
      } else {
        this.notifier.toConnection(other.connectionId, 'mls:commit', { fromPeerId: peer.peerId, epoch: facts.epoch, commit: submitted.commit });
      }
    }
    return { accepted: true, epoch };
  }

  /**
   * What relaying a chat line reads first: the sender's room and the epoch of
   * Redis's copy of its group. A read only, so the request layer may send it
   * while the sender's budget is still being spent (`onLookupRequest`).
   */
  async roomEpoch(connectionId: string): Promise<RoomEpoch> {
    const { roomId } = this.rooms.peerOf(connectionId);
    return { roomId, epoch: await this.roster.epoch(roomId) };
  }

  /**
   * Relays an application message (chat) to the others in the room, and
   * forgets it. `to`: only to that peer (a line sent again to a page that came
   * back); nobody when it is not in the room (any more). `read`: what
   * `roomEpoch` read for this line, used if the sender is still in that room.
   */
  async relayApplicationMessage(connectionId: string, epoch: number, message: Uint8Array, to?: string, read?: RoomEpoch): Promise<{ sentAt: string }> {
    const peer = this.rooms.peerOf(connectionId);
    // Everyone in the room is at the server's epoch once its commit reached them, so a
    // message for another epoch could not be read by all: the sender re-encrypts it.
    // Redis's copy first (no database on the way of every chat line); only when it disagrees are
    // the claims asked, which repair a copy a Redis failover set back.
    const copy = read?.roomId === peer.roomId ? read.epoch : await this.roster.epoch(peer.roomId);
    if (copy !== epoch && (await this.roster.read(peer.roomId))?.epoch !== epoch) {
      throw new AppError('stale_epoch', 'The group moved to a new epoch; encrypt the message again.');
    }
    const sentAt = new Date().toISOString();
    const receivers: string[] = [];
    for (const other of this.rooms.peersIn(peer.roomId)) {
      if (other.connectionId === connectionId || (to !== undefined && other.peerId !== to)) continue;
      receivers.push(other.connectionId);
    }
    // The same bytes for everyone: one packet, encoded once, to the room's connections (all on this node).
    this.notifier.toLocalConnections(receivers, 'mls:message', { fromPeerId: peer.peerId, epoch, message, sentAt });
    return { sentAt };
  }

  /** Someone left the room: if they held a leaf, their removal is now due. */
  async peerLeft(peer: Pick<LivePeer, 'roomId' | 'peerId'>): Promise<void> {
    this.#held.delete(peer.peerId);
    const record = await this.roster.read(peer.roomId);
    await this.roster.forget(peer.roomId, peer.peerId);
    if (record?.leaves.some((holder) => holder?.peerId === peer.peerId)) await this.roster.markDue(peer.roomId, this.now());
  }

  /** The room emptied: its group ends with it. */
  async endGroup(roomId: string): Promise<void> {
    await this.roster.end(roomId);
  }

  #present(roomId: string): Set<string> {
    return new Set(this.rooms.peersIn(roomId).map((p) => p.peerId));
  }
}
