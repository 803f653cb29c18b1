import type { Room, RoomRegistry } from '@care/media';
import {
  mediaModeAllows,
  type DtlsParameters,
  type IceParameters,
  type MediaKind,
  type MediaMode,
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
import { forwardedMedia, type LivePeer } from './live-peer.js';
import type { LiveRooms } from './live-rooms.js';

/**
 * What flows in the live rooms: each peer's transports, producers and
 * consumers on its room's media, what each peer sends (its switches and its
 * media mode, held back at the SFU), and who speaks. Consumers are announced
 * to their receiver as the media `Room` creates them.
 */
export class LiveMedia {
  readonly #followed = new WeakSet<Room>();
  /** The dominant speaker of each room on this node, for "receive less". */
  readonly #speakers = new Map<string, string>();

  constructor(
    private readonly rooms: LiveRooms,
    private readonly media: RoomRegistry,
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {}

  async createTransport(connectionId: string, direction: TransportDirection): Promise<TransportOptions> {
    const peer = this.rooms.peerOf(connectionId);
    return (await this.#room(peer).createTransport(peer.peerId, direction)) as TransportOptions;
  }

  async connectTransport(connectionId: string, transportId: string, dtlsParameters: DtlsParameters): Promise<void> {
    const peer = this.rooms.peerOf(connectionId);
    await this.#room(peer).peer(peer.peerId).connectTransport(transportId, dtlsParameters as ms.DtlsParameters);
  }

  async produce(connectionId: string, transportId: string, kind: MediaKind, rtpParameters: RtpParameters): Promise<string> {
    const peer = this.rooms.peerOf(connectionId);
    const producer = await this.#room(peer).produce(peer.peerId, transportId, kind, rtpParameters as ms.RtpParameters);
    // A track the person (or the host) switched off stays held back at the SFU from the start.
    if (!forwardedMedia(peer)[kind]) await producer.pause();
    this.log.info({ roomId: peer.roomId, peerId: peer.peerId, producerId: producer.id, kind }, 'producer created');
    return producer.id;
  }

  async ready(connectionId: string, rtpCapabilities: RtpCapabilities): Promise<void> {
    const peer = this.rooms.peerOf(connectionId);
    await this.#room(peer).setReady(peer.peerId, rtpCapabilities as ms.RtpCapabilities);
  }

  async resumeConsumer(connectionId: string, consumerId: string): Promise<void> {
    const peer = this.rooms.peerOf(connectionId);
    await this.#room(peer).peer(peer.peerId).resumeConsumer(consumerId);
  }

  /** Low-bandwidth modes hold media back at the SFU, both what this peer sends and what it receives. */
  async setMediaMode(connectionId: string, mode: MediaMode): Promise<void> {
    const peer = this.rooms.peerOf(connectionId);
    peer.mode = mode;
    const media = this.#room(peer).peer(peer.peerId);
    await media.setVideoFocus(mode === 'speaker-only' ? this.#focusFor(peer) : undefined);
    await media.setReceive(mediaModeAllows(mode));
    await media.setSending(forwardedMedia(peer));
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
    await this.#room(peer).peer(peer.peerId).setConsumerView(consumerId, spatialLayer, visible);
  }

  async requestKeyFrames(connectionId: string): Promise<void> {
    const peer = this.rooms.peerOf(connectionId);
    await this.#room(peer).peer(peer.peerId).requestKeyFrames();
  }

  async restartIce(connectionId: string, transportId: string): Promise<IceParameters> {
    const peer = this.rooms.peerOf(connectionId);
    return (await this.#room(peer).peer(peer.peerId).restartIce(transportId)) as IceParameters;
  }

  /** Announces a room's consumers to their receivers and follows its speaker; once per media room. */
  follow(room: Room): void {
    if (this.#followed.has(room)) return;
    this.#followed.add(room);
    room.on('consumer', ({ peerId, producerPeerId, consumer }) => {
      const receiver = this.rooms.peerById(peerId);
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
          .peer(peer.peerId)
          .setVideoFocus(this.#focusFor(peer, before))
          .catch((error: unknown) => this.log.warn({ err: error, peerId: peer.peerId }, 'could not follow the active speaker'));
      }
    });
  }

  /** A speaker who left is nobody's focus any more. */
  peerLeft(peer: Pick<LivePeer, 'roomId' | 'peerId'>): void {
    if (this.#speakers.get(peer.roomId) === peer.peerId) this.#speakers.delete(peer.roomId);
  }

  async #applySending(peer: LivePeer, sending: SendingState): Promise<void> {
    peer.sending = sending;
    await this.#room(peer).peer(peer.peerId).setSending(forwardedMedia(peer));
    for (const other of this.rooms.peersIn(peer.roomId)) {
      if (other !== peer) this.notifier.toConnection(other.connectionId, 'room:peer-sending', { peerId: peer.peerId, sending });
    }
  }

  /** Whose video a "receive less" peer gets: the active speaker, or (while they speak themselves) whoever spoke before. */
  #focusFor(peer: LivePeer, previous: string | null = null): string | null {
    const speaker = this.#speakers.get(peer.roomId);
    return speaker !== undefined && speaker !== peer.peerId ? speaker : previous;
  }

  #room(peer: LivePeer): Room {
    const room = this.media.get(peer.roomId);
    if (!room) throw new AppError('not_in_room', 'The session media restarted; rejoin the session.');
    return room;
  }
}
