import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { TransportDirection, TransportOptionsForClient } from './peer.js';
import { sourceOf } from './peer.js';
import type { ProducerSource } from './peer-limits.js';
import type { Room } from './room.js';
import type { RoomRegistry } from './room-registry.js';
import type { MediaRooms, ProducerMade, RoomMedia, RoomMediaEvents } from './room-media.js';
import type { RoomShape } from './room-shape.js';

/** A room's media in this process: the seam (room-media.ts) over a mediasoup `Room`. */
export class LocalRoomMedia extends EventEmitter<RoomMediaEvents> implements RoomMedia {
  constructor(readonly room: Room) {
    super();
    room.on('consumer', ({ peerId, producerPeerId, source, consumer }) =>
      this.emit('consumer', {
        peerId,
        producerPeerId,
        source,
        consumerId: consumer.id,
        producerId: consumer.producerId,
        kind: consumer.kind,
        rtpParameters: consumer.rtpParameters,
      }),
    );
    room.on('consumerClosed', (closed) => this.emit('consumerClosed', closed));
    room.on('activeSpeaker', (speaker) => this.emit('activeSpeaker', speaker));
    room.on('closed', (reason) => this.emit('closed', reason));
  }

  get id(): string {
    return this.room.id;
  }

  get shape(): RoomShape {
    return this.room.shape;
  }

  get closed(): boolean {
    return this.room.closed;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.room.rtpCapabilities;
  }

  async addPeer(peerId: string, options: { held: boolean }): Promise<void> {
    this.room.addPeer(peerId, options);
  }

  removePeer(peerId: string): void {
    this.room.removePeer(peerId);
  }

  admit(peerId: string): Promise<void> {
    return this.room.admit(peerId);
  }

  createTransport(peerId: string, direction: TransportDirection): Promise<TransportOptionsForClient> {
    return this.room.createTransport(peerId, direction);
  }

  connectTransport(peerId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    return this.room.peer(peerId).connectTransport(transportId, dtlsParameters);
  }

  async produce(
    peerId: string,
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    source: ProducerSource | undefined,
    paused: boolean,
  ): Promise<ProducerMade> {
    const producer = await this.room.produce(peerId, transportId, kind, rtpParameters, source);
    if (paused) await producer.pause();
    return { producerId: producer.id, source: sourceOf(producer) };
  }

  async closeProducer(peerId: string, source: ProducerSource): Promise<boolean> {
    return this.room.peerIfPresent(peerId)?.closeProducer(source) ?? false;
  }

  setReady(peerId: string, rtpCapabilities: types.RtpCapabilities): Promise<void> {
    return this.room.setReady(peerId, rtpCapabilities);
  }

  setSending(peerId: string, send: Record<ProducerSource, boolean>): Promise<void> {
    return this.room.peer(peerId).setSending(send);
  }

  setReceive(peerId: string, receive: { audio: boolean; video: boolean }): Promise<void> {
    return this.room.peer(peerId).setReceive(receive);
  }

  setVideoFocus(peerId: string, focus: string | null | undefined): Promise<void> {
    return this.room.peer(peerId).setVideoFocus(focus);
  }

  setConsumerView(peerId: string, consumerId: string, spatialLayer: number, visible: boolean): Promise<void> {
    return this.room.peer(peerId).setConsumerView(consumerId, spatialLayer, visible);
  }

  consumerReady(peerId: string, consumerId: string): Promise<void> {
    return this.room.peer(peerId).consumerReady(consumerId);
  }

  async closeConsumer(peerId: string, consumerId: string): Promise<void> {
    this.room.peerIfPresent(peerId)?.closeConsumer(consumerId);
  }

  requestKeyFrames(peerId: string): Promise<void> {
    return this.room.requestKeyFrames(peerId);
  }

  restartIce(peerId: string, transportId: string): Promise<types.IceParameters> {
    return this.room.peer(peerId).restartIce(transportId);
  }
}

/** The rooms whose media this process hosts, through the seam: one `LocalRoomMedia` per mediasoup `Room`. */
export class LocalMediaRooms implements MediaRooms {
  readonly #wrapped = new WeakMap<Room, LocalRoomMedia>();

  constructor(readonly registry: RoomRegistry) {}

  get(roomId: string): LocalRoomMedia | undefined {
    const room = this.registry.get(roomId);
    return room && this.#wrap(room);
  }

  async getOrCreate(roomId: string, shape: RoomShape): Promise<LocalRoomMedia> {
    return this.#wrap(await this.registry.getOrCreate(roomId, shape));
  }

  releaseIfEmpty(roomId: string): void {
    this.registry.releaseIfEmpty(roomId);
  }

  get size(): number {
    return this.registry.size;
  }

  closeAll(): void {
    this.registry.closeAll();
  }

  #wrap(room: Room): LocalRoomMedia {
    let media = this.#wrapped.get(room);
    if (!media) {
      media = new LocalRoomMedia(room);
      this.#wrapped.set(room, media);
    }
    return media;
  }
}
