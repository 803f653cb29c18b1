import { producerSourceFor, type ConsumerOffer, type MediaRooms, type RoomMedia } from '@care/media';
import {
  mediaModeAllows,
  type DtlsParameters,
  type IceParameters,
  type MediaKind,
  type MediaMode,
  type ProducerSource,
  type RtpCapabilities,
  type RtpParameters,
  type SendingState,
  type TransportDirection,
  type TransportOptions,
} from '@care/shared';
import type { types as ms } from 'mediasoup';
import type { Logger } from 'pino';
import { AppError } from '../errors.js';
import type { Notifier } from '../notifier.js';
import { forwardedSources, type LivePeer } from './live-peer.js';
import type { LiveRooms } from './live-rooms.js';
import type { ScreenShares } from './screen-shares.js';
import { TurnCredentials } from './turn-credentials.js';

/**
 * What flows in the live rooms: each peer's transports, producers and
 * consumers on its room's media, what each peer sends (its switches and its
 * media mode, held back at the SFU), and who speaks. A peer prepared in the
 * lobby may set up its transports and producers (held); the rest needs a
 * peer in the room. Each consumer the room's media creates costs one round
 * trip: its receiver is asked to set it up, and its answer starts it. The
 * media is reached through its seam (`MediaRooms`, ids and plain data), in
 * this process or on a media node.
 */
export class LiveMedia {
  readonly #followed = new WeakSet<RoomMedia>();
  /** The dominant speaker of each room on this node, for "receive less". */
  readonly #speakers = new Map<string, string>();

  constructor(
    private readonly rooms: LiveRooms,
    private readonly media: MediaRooms,
    private readonly shares: Pick<ScreenShares, 'mayShare'>,
    private readonly notifier: Notifier,
    private readonly log: Logger,
    private readonly turn: TurnCredentials = new TurnCredentials(undefined),
  ) {}

  /** A transport for a peer in the room or prepared in its lobby, with a fresh TURN credential when the deployment has TURN. */
  async createTransport(connectionId: string, direction: TransportDirection): Promise<TransportOptions> {
    const peer = this.rooms.mediaPeerOf(connectionId);
    const options = (await this.#room(peer).createTransport(peer.peerId, direction)) as TransportOptions;
    return this.turn.enabled ? { ...options, iceServers: this.turn.iceServers() } : options;
  }

  async connectTransport(connectionId: string, transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
    const peer = this.rooms.mediaPeerOf(connectionId);
    await this.#room(peer).connectTransport(peer.peerId, transportId, dtlsParameters as ms.DtlsParameters);
  }

  async produce(connectionId: string, transportId: string, kind: MediaKind, rtpParameters: RtpParameters, named?: ProducerSource): Promise<string> {
    // A screen is shared from the room only; a waiting page prepares its microphone and camera.
    const peer = named === 'screen' ? this.rooms.peerOf(connectionId) : this.rooms.mediaPeerOf(connectionId);
    const room = this.#room(peer);
    if (named === 'screen') this.#assertMayShare(peer, room);
    // Held back at the SFU from the start: a track the person (or the host) switched off, and everything of someone still waiting.
    const source = producerSourceFor(kind, named);
    const paused = !peer.admitted || !forwardedSources(peer)[source];
    const producer = await room.produce(peer.peerId, transportId, kind, rtpParameters as ms.RtpParameters, named, paused);
    // Let in (or switched) while the worker made it: the admission's setSending ran before this producer
    // existed, so it would stay held and the others would never hear or see it.
    if (peer.admitted && paused !== !forwardedSources(peer)[source]) await room.setSending(peer.peerId, forwardedSources(peer));
    // Withdrawn while the worker made it: the withdrawal found nothing to close, so this closes it.
    if (producer.source === 'screen' && !this.shares.mayShare(peer, room.shape === 'group')) {
      await room.closeProducer(peer.peerId, 'screen');
      this.#assertMayShare(peer, room);
    }
    this.log.info({ roomId: peer.roomId, peerId: peer.peerId, producerId: producer.producerId, kind, source: producer.source }, 'producer created');
    return producer.producerId;
  }

  /** This peer stops sharing its screen (its own button, or the browser's "stop sharing"): the others' consumers close. */
  async stopShare(connectionId: string): Promise<void> {
    await this.stopShareOf(this.rooms.peerOf(connectionId));
  }

  /** Closes a peer's screen share at the SFU, if there is one (the host withdrew it, or the person stopped). */
  async stopShareOf(peer: LivePeer): Promise<void> {
    const media = this.media.get(peer.roomId);
    if (!media || media.closed) return;
    if (await media.closeProducer(peer.peerId, 'screen')) this.log.info({ roomId: peer.roomId, peerId: peer.peerId }, 'screen share stopped');
  }

  #assertMayShare(peer: LivePeer, room: RoomMedia): void {
    if (!this.shares.mayShare(peer, room.shape === 'group')) {
      throw new AppError('forbidden', 'Only the facilitator, and whom they invite, may share a screen here.');
    }
  }

  /** The peer's receive side is set up; what it receives starts once it is in the room. */
  async ready(connectionId: string, rtpCapabilities: RtpCapabilities): Promise<void> {
    const peer = this.rooms.mediaPeerOf(connectionId);
    await this.#room(peer).setReady(peer.peerId, rtpCapabilities as ms.RtpCapabilities);
  }

  /**
   * A peer entered its room: what it sends goes out as its switches say, and it and the others receive each other.
   * The observer tells only of changes, so a newcomer (or someone back after a reconnect) is told who speaks now;
   * otherwise their page would show nobody speaking until someone else took the floor.
   */
  async admitted(peer: LivePeer): Promise<void> {
    const room = this.#room(peer);
    await room.setSending(peer.peerId, forwardedSources(peer));
    await room.admit(peer.peerId);
    const speaker = this.#speakers.get(peer.roomId);
    if (speaker !== undefined) this.notifier.toConnection(peer.connectionId, 'room:active-speaker', { peerId: speaker });
  }

  /**
   * The peer's media is on another media node now (its own drains, or died): what the
   * server keeps for it is applied there (its switches, its admission, a
   * low-bandwidth mode), then its page is told to make its media again. Its
   * seat, its group and its keys are untouched.
   */
  async moved(peer: LivePeer, room: RoomMedia): Promise<void> {
    await room.setSending(peer.peerId, forwardedSources(peer));
    await room.admit(peer.peerId);
    if (peer.mode !== 'full') {
      await room.setVideoFocus(peer.peerId, peer.mode === 'speaker-only' ? this.#focusFor(peer) : undefined);
      await room.setReceive(peer.peerId, mediaModeAllows(peer.mode));
    }
    this.notifier.toConnection(peer.connectionId, 'room:media-moved', { routerRtpCapabilities: room.rtpCapabilities as RtpCapabilities });
  }

  /** Low-bandwidth modes hold media back at the SFU, both what this peer sends and what it receives. */
  async setMediaMode(connectionId: string, mode: MediaMode): Promise<void> {
    const peer = this.rooms.peerOf(connectionId);
    peer.mode = mode;
    const media = this.#room(peer);
    await media.setVideoFocus(peer.peerId, mode === 'speaker-only' ? this.#focusFor(peer) : undefined);
    await media.setReceive(peer.peerId, mediaModeAllows(mode));
    await media.setSending(peer.peerId, forwardedSources(peer));
  }

  /**
   * The person's microphone and camera switches. The SFU forwards only what
   * is on, and the others see who is muted.
   */
  async setSending(connectionId: string, sending: SendingState): Promise<void> {
    await this.#applySending(this.rooms.peerOf(connectionId), sending);
  }

  /** A host switches someone's microphone or camera off; only they can switch it on again. */
  async switchOff(peer: LivePeer, kind: 'audio' | 'video'): Promise<boolean> {
    if (!peer.sending[kind]) return false;
    await this.#applySending(peer, { ...peer.sending, [kind]: false });
    this.notifier.toConnection(peer.connectionId, 'room:moderated', { action: kind === 'audio' ? 'mute' : 'stop-video' });
    return true;
  }

  async setConsumerView(connectionId: string, consumerId: string, spatialLayer: number, visible: boolean): Promise<void> {
    const peer = this.rooms.peerOf(connectionId);
    await this.#room(peer).setConsumerView(peer.peerId, consumerId, spatialLayer, visible);
  }

  /** Key frames of what this peer receives and of what it sends (it, and so everyone, holds the epoch's keys now). */
  async requestKeyFrames(connectionId: string): Promise<void> {
    const peer = this.rooms.peerOf(connectionId);
    await this.#room(peer).requestKeyFrames(peer.peerId);
  }

  async restartIce(connectionId: string, transportId: string): Promise<IceParameters> {
    const peer = this.rooms.mediaPeerOf(connectionId);
    return (await this.#room(peer).restartIce(peer.peerId, transportId)) as IceParameters;
  }

  /** Offers a room's consumers to their receivers and follows its speaker; once per media room. */
  follow(room: RoomMedia): void {
    if (this.#followed.has(room)) return;
    this.#followed.add(room);
    room.on('consumer', (created) => void this.#offer(room, created));
    room.on('consumerClosed', ({ peerId, consumerId }) => {
      const receiver = this.rooms.peerById(peerId);
      if (receiver) this.notifier.toConnection(receiver.connectionId, 'room:consumer-closed', { consumerId });
    });
    room.on('activeSpeaker', ({ peerId }) => {
      const before = this.#speakers.get(room.id) ?? null;
      this.#speakers.set(room.id, peerId);
      for (const peer of this.rooms.peersIn(room.id)) {
        this.notifier.toConnection(peer.connectionId, 'room:active-speaker', { peerId });
        if (peer.mode !== 'speaker-only' || peer.peerId === peerId) continue;
        room
          .setVideoFocus(peer.peerId, this.#focusFor(peer, before))
          .catch((error: unknown) => this.log.warn({ err: error, peerId: peer.peerId }, 'could not follow the active speaker'));
      }
    });
  }

  /**
   * One round trip per consumer: the receiver is asked to set it up (its
   * decrypting transform in place), and its answer starts it. A receiver that
   * cannot, does not answer in time, or answers something else does not get
   * it: the consumer is closed, so nothing is left waiting on it.
   */
  async #offer(room: RoomMedia, { peerId, producerPeerId, source, consumerId, producerId, kind, rtpParameters }: ConsumerOffer): Promise<void> {
    const receiver = this.rooms.peerById(peerId);
    try {
      if (!receiver) throw new AppError('not_in_room', 'the receiver left');
      await this.notifier.ask(receiver.connectionId, 'room:consume', {
        consumerId,
        producerId,
        peerId: producerPeerId,
        kind,
        source,
        rtpParameters: rtpParameters as RtpParameters,
      });
      await room.consumerReady(peerId, consumerId);
    } catch (error) {
      if (room.closed) return;
      await room.closeConsumer(peerId, consumerId).catch((closeError: unknown) => this.log.debug({ err: closeError, consumerId }, 'consumer already gone'));
      this.log.info({ roomId: room.id, peerId, consumerId, code: error instanceof AppError ? error.code : 'internal' }, 'consumer not taken');
    }
  }

  /** A speaker who left is nobody's focus any more. */
  peerLeft(peer: Pick<LivePeer, 'roomId' | 'peerId'>): void {
    if (this.#speakers.get(peer.roomId) === peer.peerId) this.#speakers.delete(peer.roomId);
  }

  async #applySending(peer: LivePeer, sending: SendingState): Promise<void> {
    peer.sending = sending;
    await this.#room(peer).setSending(peer.peerId, forwardedSources(peer));
    for (const other of this.rooms.peersIn(peer.roomId)) {
      if (other !== peer) this.notifier.toConnection(other.connectionId, 'room:peer-sending', { peerId: peer.peerId, sending });
    }
  }

  /** Whose video a "receive less" peer gets: the active speaker, or (while they speak themselves) whoever spoke before. */
  #focusFor(peer: LivePeer, previous: string | null = null): string | null {
    const speaker = this.#speakers.get(peer.roomId);
    return speaker !== undefined && speaker !== peer.peerId ? speaker : previous;
  }

  #room(peer: LivePeer): RoomMedia {
    const room = this.media.get(peer.roomId);
    if (!room) throw new AppError('not_in_room', 'The session media restarted; rejoin the session.');
    return room;
  }
}
