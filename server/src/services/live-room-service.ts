import { randomUUID } from 'node:crypto';
import type { Room, RoomRegistry, RoomShape } from '@care/media';
import type {
  CurrentUser,
  DtlsParameters,
  IceParameters,
  MediaKind,
  MediaMode,
  PeerView,
  RoomJoined,
  SendingState,
  SessionKind,
  RtpCapabilities,
  RtpParameters,
  TransportDirection,
  TransportOptions,
} from '@care/shared';
import type { types as ms } from 'mediasoup';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Notifier } from './room-notifier.js';
import type { SessionAccess } from './session-directory.js';

export interface LivePeer {
  readonly peerId: string;
  readonly connectionId: string;
  readonly roomId: string;
  readonly sessionId: string;
  readonly user: Pick<CurrentUser, 'id' | 'role'>;
  /** The name the others see: the person's own, or their pseudonym in a circle. */
  readonly nameInRoom: string;
  readonly host: boolean;
  /** Members of a pseudonymous circle are shown without their account id. */
  readonly anonymous: boolean;
  /** The person's own microphone and camera switches (a host may switch them off). */
  sending: SendingState;
  mode: MediaMode;
}

function view(peer: LivePeer): PeerView {
  return {
    peerId: peer.peerId,
    ...(peer.anonymous ? {} : { userId: peer.user.id }),
    displayName: peer.nameInRoom,
    role: peer.user.role,
    host: peer.host,
    sending: peer.sending,
  };
}

/** A 1:1 session's audio carries no level and follows no speech; a circle's picks its speaker (media/src/room-shape.ts). */
function roomShape(kind: SessionKind): RoomShape {
  switch (kind) {
    case 'one-to-one':
      return 'pair';
    case 'circle':
      return 'group';
    default: {
      const unknown: never = kind;
      throw new Error(`unknown session kind ${String(unknown)}`);
    }
  }
}

/**
 * The live session layer: who is in which room on this node, tied to the
 * room's media. Authorization happens before (lobby, appointment); this
 * service keeps media and membership consistent and tells the others.
 */
export class LiveRoomService {
  readonly #byConnection = new Map<string, LivePeer>();
  readonly #byPeerId = new Map<string, LivePeer>();
  readonly #wired = new WeakSet<Room>();
  /** The dominant speaker of each room on this node, for "receive less". */
  readonly #speakers = new Map<string, string>();
  /**
   * Each connection's joins and leaves, one at a time in arrival order: two
   * joins at once (a burst of rejoins) would otherwise both add a peer, and
   * the first would stay in the room with no connection behind it.
   */
  readonly #turns = new Map<string, Promise<void>>();

  constructor(
    private readonly rooms: RoomRegistry,
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {}

  /** Called when the last peer of a room left, so per-room state can end with it. */
  onRoomEmptied: (roomId: string) => void = () => undefined;
  /** Called when anyone left (their raised hand goes down with them). */
  /** `keepsPlace`: the person may well be back (a dropped connection, a rejoin), so what they held (a raised hand) stays. */
  onPeerLeft: (peer: LivePeer, keepsPlace: boolean) => void = () => undefined;

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
    const room = await this.rooms.getOrCreate(roomId, roomShape(access.kind));
    this.#wire(room);
    const peer: LivePeer = {
      peerId: randomUUID(),
      connectionId,
      roomId,
      sessionId: access.sessionId,
      user,
      nameInRoom: access.nameInRoom,
      host: access.isHost,
      anonymous: access.pseudonymous && !access.isHost,
      sending,
      mode: 'full',
    };
    room.addPeer(peer.peerId);
    const others = this.peersIn(roomId);
    this.#byConnection.set(connectionId, peer);
    this.#byPeerId.set(peer.peerId, peer);
    for (const other of others) this.notifier.toConnection(other.connectionId, 'room:peer-joined', view(peer));
    // No account id beside the peer id: in a circle the peer id stands for a pseudonym, and a log line holding
    // both would pair the account with it. Connection logs carry the account, room logs the peer, never one line both.
    this.log.info({ roomId, peerId: peer.peerId, host: peer.host }, 'peer joined');
    return {
      roomId,
      peerId: peer.peerId,
      routerRtpCapabilities: room.rtpCapabilities as RtpCapabilities,
      peers: others.map(view),
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

  async createTransport(connectionId: string, direction: TransportDirection): Promise<TransportOptions> {
    const peer = this.peerOf(connectionId);
    return (await this.#room(peer).createTransport(peer.peerId, direction)) as TransportOptions;
  }

  async connectTransport(connectionId: string, transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
    const peer = this.peerOf(connectionId);
    await this.#room(peer).peer(peer.peerId).connectTransport(transportId, dtlsParameters as ms.DtlsParameters);
  }

  async produce(connectionId: string, transportId: string, kind: MediaKind, rtpParameters: RtpParameters): Promise<string> {
    const peer = this.peerOf(connectionId);
    const producer = await this.#room(peer).produce(peer.peerId, transportId, kind, rtpParameters as ms.RtpParameters);
    // A track the person (or the host) switched off stays held back at the SFU from the start.
    if (!this.#sends(peer)[kind]) await producer.pause();
    this.log.info({ roomId: peer.roomId, peerId: peer.peerId, producerId: producer.id, kind }, 'producer created');
    return producer.id;
  }

  async ready(connectionId: string, rtpCapabilities: RtpCapabilities): Promise<void> {
    const peer = this.peerOf(connectionId);
    await this.#room(peer).setReady(peer.peerId, rtpCapabilities as ms.RtpCapabilities);
  }

  async resumeConsumer(connectionId: string, consumerId: string): Promise<void> {
    const peer = this.peerOf(connectionId);
    await this.#room(peer).peer(peer.peerId).resumeConsumer(consumerId);
  }

  /** Low-bandwidth modes hold media back at the SFU, both what this peer sends and what it receives. */
  async setMediaMode(connectionId: string, mode: MediaMode): Promise<void> {
    const peer = this.peerOf(connectionId);
    peer.mode = mode;
    const media = this.#room(peer).peer(peer.peerId);
    await media.setVideoFocus(mode === 'speaker-only' ? this.#focusFor(peer) : undefined);
    await media.setReceive({ audio: mode !== 'chat-only', video: mode === 'full' || mode === 'speaker-only' });
    await media.setSending(this.#sends(peer));
  }

  /**
   * The person's microphone and camera switches. The SFU forwards only what
   * is on, and the others see who is muted.
   */
  async setSending(connectionId: string, sending: SendingState): Promise<void> {
    await this.#applySending(this.peerOf(connectionId), sending);
  }

  /** A host switches someone's microphone or camera off; only they can switch it on again. */
  async switchOff(peer: LivePeer, kind: 'audio' | 'video'): Promise<boolean> {
    if (!peer.sending[kind]) return false;
    await this.#applySending(peer, { ...peer.sending, [kind]: false });
    this.notifier.toConnection(peer.connectionId, 'room:moderated', { action: kind === 'audio' ? 'mute' : 'stop-video' });
    return true;
  }

  async #applySending(peer: LivePeer, sending: SendingState): Promise<void> {
    peer.sending = sending;
    await this.#room(peer).peer(peer.peerId).setSending(this.#sends(peer));
    for (const other of this.peersIn(peer.roomId)) {
      if (other !== peer) this.notifier.toConnection(other.connectionId, 'room:peer-sending', { peerId: peer.peerId, sending });
    }
  }

  /** What the SFU forwards of this peer's media: what the mode allows and the person has on. */
  #sends(peer: LivePeer): { audio: boolean; video: boolean } {
    return {
      audio: peer.mode !== 'chat-only' && peer.sending.audio,
      video: (peer.mode === 'full' || peer.mode === 'speaker-only') && peer.sending.video,
    };
  }

  /** Whose video a "receive less" peer gets: the active speaker, or (while they speak themselves) whoever spoke before. */
  #focusFor(peer: LivePeer, previous: string | null = null): string | null {
    const speaker = this.#speakers.get(peer.roomId);
    return speaker !== undefined && speaker !== peer.peerId ? speaker : previous;
  }

  async setConsumerView(connectionId: string, consumerId: string, spatialLayer: number, visible: boolean): Promise<void> {
    const peer = this.peerOf(connectionId);
    await this.#room(peer).peer(peer.peerId).setConsumerView(consumerId, spatialLayer, visible);
  }

  async requestKeyFrames(connectionId: string): Promise<void> {
    const peer = this.peerOf(connectionId);
    await this.#room(peer).peer(peer.peerId).requestKeyFrames();
  }

  async restartIce(connectionId: string, transportId: string): Promise<IceParameters> {
    const peer = this.peerOf(connectionId);
    return (await this.#room(peer).peer(peer.peerId).restartIce(transportId)) as IceParameters;
  }

  /** Takes the connection's peer out of its room (after any join of that connection still under way). */
  leave(connectionId: string, reason: 'left' | 'disconnected' | 'removed', options: { rejoining?: boolean } = {}): Promise<void> {
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

  #leave(connectionId: string, reason: 'left' | 'disconnected' | 'removed', options: { rejoining?: boolean } = {}): void {
    const peer = this.#byConnection.get(connectionId);
    if (!peer) return;
    this.#byConnection.delete(connectionId);
    this.#byPeerId.delete(peer.peerId);
    const room = this.rooms.get(peer.roomId);
    room?.removePeer(peer.peerId);
    for (const other of this.peersIn(peer.roomId)) {
      this.notifier.toConnection(other.connectionId, 'room:peer-left', { peerId: peer.peerId, reason });
    }
    this.rooms.releaseIfEmpty(peer.roomId);
    this.onPeerLeft(peer, reason === 'disconnected' || options.rejoining === true);
    if (this.#speakers.get(peer.roomId) === peer.peerId) this.#speakers.delete(peer.roomId);
    if (this.peersIn(peer.roomId).length === 0) this.onRoomEmptied(peer.roomId);
    this.log.info({ roomId: peer.roomId, peerId: peer.peerId, reason }, 'peer left');
  }

  #room(peer: LivePeer): Room {
    const room = this.rooms.get(peer.roomId);
    if (!room) throw new AppError('not_in_room', 'The session media restarted; rejoin the session.');
    return room;
  }

  #wire(room: Room): void {
    if (this.#wired.has(room)) return;
    this.#wired.add(room);
    room.on('consumer', ({ peerId, producerPeerId, consumer }) => {
      const receiver = this.#byPeerId.get(peerId);
      if (!receiver) return;
      this.notifier.toConnection(receiver.connectionId, 'room:new-consumer', {
        consumerId: consumer.id,
        producerId: consumer.producerId,
        peerId: producerPeerId,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters as RtpParameters,
      });
    });
    room.on('consumerClosed', ({ peerId, consumerId }) => {
      const receiver = this.#byPeerId.get(peerId);
      if (receiver) this.notifier.toConnection(receiver.connectionId, 'room:consumer-closed', { consumerId });
    });
    room.on('activeSpeaker', ({ peerId }) => {
      const before = this.#speakers.get(room.id) ?? null;
      this.#speakers.set(room.id, peerId);
      for (const peer of this.peersIn(room.id)) {
        this.notifier.toConnection(peer.connectionId, 'room:active-speaker', { peerId });
        if (peer.mode !== 'speaker-only' || peer.peerId === peerId) continue;
        room
          .peer(peer.peerId)
          .setVideoFocus(this.#focusFor(peer, before))
          .catch((error: unknown) => this.log.warn({ err: error, peerId: peer.peerId }, 'could not follow the active speaker'));
      }
    });
    room.on('closed', (reason) => {
      if (reason !== 'media_failure') return;
      // The worker died: everyone in the room rejoins onto a fresh router.
      for (const peer of this.peersIn(room.id)) {
        this.#byConnection.delete(peer.connectionId);
        this.#byPeerId.delete(peer.peerId);
        this.notifier.toConnection(peer.connectionId, 'room:closed', { reason: 'media_failure' });
      }
    });
  }
}
