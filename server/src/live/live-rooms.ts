import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { MediaRooms, RoomMedia } from '@care/media';
import type { RoomJoined, RoomPrepared, RtpCapabilities, SendingState } from '@care/shared';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Notifier } from '../notifier.js';
import type { SessionAccess } from '../sessions/session-directory.js';
import { peerView, roomShape, type Departure, type LivePeer } from './live-peer.js';

/** What a live room tells the other parts of the live session (listeners run in the order they subscribed). */
export interface LiveRoomEvents {
  /** Someone entered a room on this node; the others there have been told. `media` is the room's media. */
  peerJoined: [peer: LivePeer, media: RoomMedia];
  /**
   * Someone left their room. `keepsPlace`: they may well be back (a dropped
   * connection, a rejoin), so what they held (a raised hand) stays.
   */
  peerLeft: [peer: LivePeer, departure: { reason: Departure; keepsPlace: boolean }];
  /** Someone waiting in the lobby, prepared, stopped waiting (left, or was turned away) without entering. */
  waitingEnded: [peer: LivePeer];
  /** The last peer of a room on this node left: what lives per room can end with it. */
  roomEmptied: [roomId: string];
  /**
   * A seated peer's media moved to another media node (its own drains, or died): what
   * the server keeps for it (its switches, its admission, its mode) is to be
   * applied there before its page makes its media again.
   */
  mediaMoved: [peer: LivePeer, media: RoomMedia];
}

/** Someone prepared in the lobby: their peer (not admitted) and the session as it was resolved for them then. */
interface Waiting {
  readonly peer: LivePeer;
  readonly access: SessionAccess;
}

/** What entering gives the newcomer before the floor and the MLS group are added (RoomEntry). */
export type Entered = Omit<RoomJoined, 'mls' | 'floor'>;

/**
 * The live rooms on this node: who is in which, each room tied to its media
 * (`RoomMedia`), and who waits in a lobby with their page prepared (`prepare`): such
 * a peer has its place in the media room, held, and is in no room's list
 * until it enters. Authorization happens before (lobby, admission); this
 * keeps membership consistent, tells the people in a room who came and went,
 * and tells the rest of the live session through its events.
 */
export class LiveRooms extends EventEmitter<LiveRoomEvents> {
  readonly #byConnection = new Map<string, LivePeer>();
  readonly #byPeerId = new Map<string, LivePeer>();
  readonly #waiting = new Map<string, Waiting>();
  readonly #watched = new WeakSet<RoomMedia>();
  /**
   * Each connection's prepares, joins and leaves, one at a time in arrival
   * order: two joins at once (a burst of rejoins) would otherwise both add a
   * peer, and the first would stay in the room with no connection behind it.
   */
  readonly #turns = new Map<string, Promise<void>>();

  constructor(
    private readonly media: MediaRooms,
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {
    super();
  }

  /**
   * A waiting person's page gets ready in the lobby: a peer of its own, held
   * in the media room (transports, producers; nothing forwarded, nothing
   * received), listed in no room. Replaces whatever this connection had.
   */
  prepare(connectionId: string, access: SessionAccess, user: LivePeer['user'], sending: SendingState = { audio: true, video: true }): Promise<RoomPrepared> {
    return this.#inTurn(connectionId, async () => {
      const { peer, media } = await this.#prepare(connectionId, access, user, sending);
      return { roomId: peer.roomId, peerId: peer.peerId, routerRtpCapabilities: media.rtpCapabilities as RtpCapabilities };
    });
  }

  /**
   * Seats the connection in its room: the peer it prepared in the lobby for
   * this session, or a new one (a host, a reconnect, a page that did not
   * prepare). Admission is checked before.
   */
  join(connectionId: string, access: SessionAccess, user: LivePeer['user'], sending?: SendingState): Promise<Entered> {
    return this.#inTurn(connectionId, async () => {
      const waiting = this.#waiting.get(connectionId);
      if (waiting && waiting.peer.sessionId === access.sessionId && !this.#byConnection.has(connectionId)) {
        if (sending) waiting.peer.sending = sending;
        return this.#enter(waiting.peer, access);
      }
      const { peer } = await this.#prepare(connectionId, access, user, sending ?? { audio: true, video: true });
      return this.#enter(peer, access);
    });
  }

  /** Those of these people who wait prepared for this session on this node, in the order given. */
  waitingFor(sessionId: string, userIds: readonly string[]): Array<{ peer: LivePeer; access: SessionAccess }> {
    const waiting = [...this.#waiting.values()].filter((w) => w.peer.sessionId === sessionId);
    return userIds.flatMap((userId) => waiting.filter((w) => w.peer.user.id === userId));
  }

  /** Whether anyone of the room is on this node, seated or waiting prepared. */
  hasAnyoneIn(roomId: string): boolean {
    for (const peer of this.#byPeerId.values()) if (peer.roomId === roomId) return true;
    for (const { peer } of this.#waiting.values()) if (peer.roomId === roomId) return true;
    return false;
  }

  /** The host let this prepared peer in: it enters, unless it stopped waiting meanwhile (then undefined). */
  letIn(peer: LivePeer, access: SessionAccess): Promise<Entered | undefined> {
    return this.#inTurn(peer.connectionId, async () => (this.#waiting.get(peer.connectionId)?.peer === peer ? this.#enter(peer, access) : undefined));
  }

  /** Turned away (the room locked, the session ended, the person removed): their prepared peers go. `userIds` undefined: everyone waiting. */
  dropWaiting(sessionId: string, userIds?: readonly string[]): void {
    for (const { peer } of [...this.#waiting.values()]) {
      if (peer.sessionId !== sessionId || (userIds && !userIds.includes(peer.user.id))) continue;
      void this.#inTurn(peer.connectionId, async () => {
        if (this.#waiting.get(peer.connectionId)?.peer === peer) this.#leave(peer.connectionId, 'left');
      });
    }
  }

  /** The connection's peer in its room. A peer still waiting in the lobby is refused (`not_admitted`). */
  peerOf(connectionId: string): LivePeer {
    const peer = this.#byConnection.get(connectionId);
    if (peer) return peer;
    if (this.#waiting.has(connectionId)) throw new AppError('not_admitted', 'Please wait in the lobby until the host lets you in.');
    throw new AppError('not_in_room', 'Join the session first.');
  }

  /** The connection's peer, in its room or prepared in the lobby: for what a waiting page may set up (its transports). */
  mediaPeerOf(connectionId: string): LivePeer {
    const peer = this.#byConnection.get(connectionId) ?? this.#waiting.get(connectionId)?.peer;
    if (!peer) throw new AppError('not_in_room', 'Join the session first.');
    return peer;
  }

  peerById(peerId: string): LivePeer | undefined {
    return this.#byPeerId.get(peerId);
  }

  peersIn(roomId: string): LivePeer[] {
    return [...this.#byPeerId.values()].filter((p) => p.roomId === roomId);
  }

  /** Takes the connection's peer out of its room or lobby (after any join of that connection still under way). */
  leave(connectionId: string, reason: Departure, options: { rejoining?: boolean } = {}): Promise<void> {
    return this.#inTurn(connectionId, async () => this.#leave(connectionId, reason, options));
  }

  async #prepare(connectionId: string, access: SessionAccess, user: LivePeer['user'], sending: SendingState): Promise<{ peer: LivePeer; media: RoomMedia }> {
    this.#leave(connectionId, 'left', { rejoining: true });
    const room = await this.media.getOrCreate(access.roomId, roomShape(access.kind));
    this.#watch(room);
    const peer: LivePeer = {
      peerId: randomUUID(),
      connectionId,
      roomId: access.roomId,
      sessionId: access.sessionId,
      user,
      nameInRoom: access.nameInRoom,
      host: access.isHost,
      ...(access.other ? { otherId: access.other.id } : {}),
      anonymous: access.pseudonymous && !access.isHost,
      sending,
      mode: 'full',
      admitted: false,
    };
    await room.addPeer(peer.peerId, { held: true });
    this.#waiting.set(connectionId, { peer, access });
    return { peer, media: room };
  }

  /** A prepared peer takes its seat: the others are told, then the live session (its media starts flowing). */
  #enter(peer: LivePeer, access: SessionAccess): Entered {
    const { roomId } = peer;
    // One seat per person: a second tab or a reload takes over from the old connection.
    for (const other of this.peersIn(roomId)) {
      if (other.user.id === peer.user.id) {
        this.notifier.toConnection(other.connectionId, 'room:closed', { reason: 'replaced' });
        this.#leave(other.connectionId, 'left', { rejoining: true });
      }
    }
    if (this.peersIn(roomId).length >= access.maxPeers) throw new AppError('room_full', 'This session is full.');
    const room = this.media.get(roomId);
    if (!room) throw new AppError('not_in_room', 'The session media restarted; rejoin the session.');
    const others = this.peersIn(roomId);
    this.#waiting.delete(peer.connectionId);
    peer.admitted = true;
    this.#byConnection.set(peer.connectionId, peer);
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
    const waiting = this.#waiting.get(connectionId);
    if (waiting) {
      // Nobody in the room ever knew of it: nothing to tell them.
      this.#waiting.delete(connectionId);
      this.media.get(waiting.peer.roomId)?.removePeer(waiting.peer.peerId);
      this.media.releaseIfEmpty(waiting.peer.roomId);
      this.emit('waitingEnded', waiting.peer);
    }
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

  /**
   * A room whose worker died empties at once: everyone in it rejoins onto a
   * fresh router (and whoever waited prepares again). A room spanning media
   * nodes that lost one of them loses only the peers on it.
   */
  #watch(room: RoomMedia): void {
    if (this.#watched.has(room)) return;
    this.#watched.add(room);
    // One media node of a room spanning several died: only its peers rejoin; the others see them leave and come back.
    room.on('peersLost', ({ peerIds }) => {
      const lost = new Set(peerIds);
      for (const peer of this.peersIn(room.id)) {
        if (!lost.has(peer.peerId)) continue;
        this.#leave(peer.connectionId, 'disconnected', { rejoining: true });
        this.notifier.toConnection(peer.connectionId, 'room:closed', { reason: 'media_failure' });
      }
      for (const [connectionId, { peer }] of [...this.#waiting]) {
        if (!lost.has(peer.peerId)) continue;
        this.#waiting.delete(connectionId);
        this.emit('waitingEnded', peer);
        this.notifier.toConnection(connectionId, 'room:closed', { reason: 'media_failure' });
      }
    });
    // One peer's media moved to another node: the same seat, the same group; its page makes its media there.
    room.on('peerMoved', ({ peerId }) => {
      const seated = this.#byPeerId.get(peerId);
      if (seated?.roomId === room.id) {
        this.emit('mediaMoved', seated, room);
        return;
      }
      const waiting = [...this.#waiting.values()].find(({ peer }) => peer.peerId === peerId && peer.roomId === room.id);
      if (waiting) this.notifier.toConnection(waiting.peer.connectionId, 'room:media-moved', { routerRtpCapabilities: room.rtpCapabilities as RtpCapabilities });
    });
    room.on('closed', (reason) => {
      if (reason !== 'media_failure') return;
      for (const peer of this.peersIn(room.id)) {
        this.#byConnection.delete(peer.connectionId);
        this.#byPeerId.delete(peer.peerId);
        this.notifier.toConnection(peer.connectionId, 'room:closed', { reason: 'media_failure' });
      }
      for (const [connectionId, { peer }] of [...this.#waiting]) {
        if (peer.roomId !== room.id) continue;
        this.#waiting.delete(connectionId);
        this.emit('waitingEnded', peer);
        this.notifier.toConnection(connectionId, 'room:closed', { reason: 'media_failure' });
      }
    });
  }
}
