import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Room, RoomRegistry } from '@care/media';
import type { RoomJoined, RtpCapabilities, SendingState } from '@care/shared';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Notifier } from '../notifier.js';
import type { SessionAccess } from '../sessions/session-directory.js';
import { peerView, roomShape, type Departure, type LivePeer } from './live-peer.js';

/** What a live room tells the other parts of the live session (listeners run in the order they subscribed). */
export interface LiveRoomEvents {
  /** Someone entered a room on this node; the others there have been told. `media` is the room's media. */
  peerJoined: [peer: LivePeer, media: Room];
  /**
   * Someone left their room. `keepsPlace`: they may well be back (a dropped
   * connection, a rejoin), so what they held (a raised hand) stays.
   */
  peerLeft: [peer: LivePeer, departure: { reason: Departure; keepsPlace: boolean }];
  /** The last peer of a room on this node left: what lives per room can end with it. */
  roomEmptied: [roomId: string];
}

/**
 * The live rooms on this node: who is in which, each room tied to its media
 * `Room`. Authorization happens before (lobby, admission); this keeps
 * membership consistent, tells the people in a room who came and went, and
 * tells the rest of the live session through its events.
 */
export class LiveRooms extends EventEmitter<LiveRoomEvents> {
  readonly #byConnection = new Map<string, LivePeer>();
  readonly #byPeerId = new Map<string, LivePeer>();
  readonly #watched = new WeakSet<Room>();
  /**
   * Each connection's joins and leaves, one at a time in arrival order: two
   * joins at once (a burst of rejoins) would otherwise both add a peer, and
   * the first would stay in the room with no connection behind it.
   */
  readonly #turns = new Map<string, Promise<void>>();

  constructor(
    private readonly media: RoomRegistry,
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {
    super();
  }

  join(
    connectionId: string,
    access: SessionAccess,
    user: LivePeer['user'],
    sending: SendingState = { audio: true, video: true },
  ): Promise<Omit<RoomJoined, 'mls' | 'floor'>> {
    return this.#inTurn(connectionId, () => this.#join(connectionId, access, user, sending));
  }

  async #join(connectionId: string, access: SessionAccess, user: LivePeer['user'], sending: SendingState): Promise<Omit<RoomJoined, 'mls' | 'floor'>> {
    const { roomId } = access;
    this.#leave(connectionId, 'left', { rejoining: true });
    // One seat per person: a second tab or a reload takes over from the old connection.
    for (const other of this.peersIn(roomId)) {
      if (other.user.id === user.id) {
        this.notifier.toConnection(other.connectionId, 'room:closed', { reason: 'replaced' });
        this.#leave(other.connectionId, 'left', { rejoining: true });
      }
    }
    if (this.peersIn(roomId).length >= access.maxPeers) throw new AppError('room_full', 'This session is full.');
    const room = await this.media.getOrCreate(roomId, roomShape(access.kind));
    this.#watch(room);
    const peer: LivePeer = {
      peerId: randomUUID(),
      connectionId,
      roomId,
      sessionId: access.sessionId,
      user,
      nameInRoom: access.nameInRoom,
      host: access.isHost,
      ...(access.other ? { otherId: access.other.id } : {}),
      anonymous: access.pseudonymous && !access.isHost,
      sending,
      mode: 'full',
    };
    room.addPeer(peer.peerId);
    const others = this.peersIn(roomId);
    this.#byConnection.set(connectionId, peer);
    this.#byPeerId.set(peer.peerId, peer);
    for (const other of others) this.notifier.toConnection(other.connectionId, 'room:peer-joined', peerView(peer));
    this.emit('peerJoined', peer, room);
    // No account id beside the peer id: in a circle the peer id stands for a pseudonym, and a log line holding
    // both would pair the account with it. Connection logs carry the account, room logs the peer, never one line both.
    this.log.info({ roomId, peerId: peer.peerId, host: peer.host }, 'peer joined');
    return {
      roomId,
      peerId: peer.peerId,
      routerRtpCapabilities: room.rtpCapabilities as RtpCapabilities,
      peers: others.map(peerView),
    };
  }

  peerOf(connectionId: string): LivePeer {
    const peer = this.#byConnection.get(connectionId);
    if (!peer) throw new AppError('not_in_room', 'Join the session first.');
    return peer;
  }

  peerById(peerId: string): LivePeer | undefined {
    return this.#byPeerId.get(peerId);
  }

  peersIn(roomId: string): LivePeer[] {
    return [...this.#byPeerId.values()].filter((p) => p.roomId === roomId);
  }

  /** Takes the connection's peer out of its room (after any join of that connection still under way). */
  leave(connectionId: string, reason: Departure, options: { rejoining?: boolean } = {}): Promise<void> {
    return this.#inTurn(connectionId, async () => this.#leave(connectionId, reason, options));
  }

  #inTurn<T>(connectionId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#turns.get(connectionId) ?? Promise.resolve();
    const run = previous.then(work);
    const done = run.then(
      () => undefined,
      () => undefined,
    );
    this.#turns.set(connectionId, done);
    void done.then(() => {
      if (this.#turns.get(connectionId) === done) this.#turns.delete(connectionId);
    });
    return run;
  }

  #leave(connectionId: string, reason: Departure, options: { rejoining?: boolean } = {}): void {
    const peer = this.#byConnection.get(connectionId);
    if (!peer) return;
    this.#byConnection.delete(connectionId);
    this.#byPeerId.delete(peer.peerId);
    this.media.get(peer.roomId)?.removePeer(peer.peerId);
    for (const other of this.peersIn(peer.roomId)) {
      this.notifier.toConnection(other.connectionId, 'room:peer-left', { peerId: peer.peerId, reason });
    }
    this.media.releaseIfEmpty(peer.roomId);
    this.emit('peerLeft', peer, { reason, keepsPlace: reason === 'disconnected' || options.rejoining === true });
    if (this.peersIn(peer.roomId).length === 0) this.emit('roomEmptied', peer.roomId);
    this.log.info({ roomId: peer.roomId, peerId: peer.peerId, reason }, 'peer left');
  }

  /** A room whose worker died empties at once: everyone in it rejoins onto a fresh router. */
  #watch(room: Room): void {
    if (this.#watched.has(room)) return;
    this.#watched.add(room);
    room.on('closed', (reason) => {
      if (reason !== 'media_failure') return;
      for (const peer of this.peersIn(room.id)) {
        this.#byConnection.delete(peer.connectionId);
        this.#byPeerId.delete(peer.peerId);
        this.notifier.toConnection(peer.connectionId, 'room:closed', { reason: 'media_failure' });
      }
    });
  }
}
