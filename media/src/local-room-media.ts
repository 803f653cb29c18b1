import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { MediaError } from './media-error.js';
import type { TransportDirection, TransportOptionsForClient } from './peer.js';
import { sourceOf } from './peer.js';
import type { ProducerSource } from './peer-limits.js';
import type { Room } from './room.js';
import type { RoomRegistry } from './room-registry.js';
import type { MediaRooms, ProducerMade, RoomMedia, RoomMediaEvents } from './room-media.js';
import type { RoomShape } from './room-shape.js';

/** How long a room whose worker died keeps trying to get a router again (its worker is being replaced meanwhile). */
const REBUILD_TRIES = 40;
const REBUILD_RETRY_MS = 250;

/**
 * A room's media in this process: the seam (room-media.ts) over a mediasoup `Room`.
 *
 * With `rebuild` (the all-in-one server), a room whose worker dies is not
 * ended: it gets a router on a running worker, everyone in it is added there
 * as they were (held or admitted), and 'peerMoved' has each page make its
 * media again, as when a media node drains. Their seats, their MLS group and
 * its keys never depended on the worker, so nobody rejoins and no epoch
 * changes. Without it (a media node, whose signal node owns the room's far
 * producers and pipes), the room closes with 'media_failure' as before.
 */
export class LocalRoomMedia extends EventEmitter<RoomMediaEvents> implements RoomMedia {
  #room: Room;
  /** Who is in the room and whether they are held (in the lobby): what a rebuild adds again. */
  readonly #seats = new Map<string, boolean>();
  #rebuilding: Promise<void> | undefined;
  #ended = false;

  constructor(
    room: Room,
    private readonly rebuild?: () => Promise<Room>,
    /** Waits before trying again: until a replacement worker is in place, at most `ms`. */
    private readonly workerBack: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    super();
    this.#room = room;
    this.#attach(room);
  }

  /** The mediasoup room under this media now (another one after a rebuild). */
  get room(): Room {
    return this.#room;
  }

  #attach(room: Room): void {
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
    room.on('closed', (reason) => {
      if (reason === 'media_failure' && this.rebuild && this.#seats.size > 0 && !this.#ended) {
        const rebuilding = this.#rebuildAfterFailure();
        this.#rebuilding = rebuilding;
        void rebuilding.finally(() => {
          if (this.#rebuilding === rebuilding) this.#rebuilding = undefined;
        });
        return;
      }
      this.#end(reason);
    });
  }

  #end(reason: 'media_failure' | 'ended'): void {
    if (this.#ended) return;
    this.#ended = true;
    this.emit('closed', reason);
  }

  /** A router again on a running worker, the same people in it, each page told to make its media there. */
  async #rebuildAfterFailure(): Promise<void> {
    let room: Room | undefined;
    for (let attempt = 1; !room && attempt <= REBUILD_TRIES; attempt++) {
      try {
        room = await this.rebuild!();
      } catch {
        // Its worker (or the only one) is being replaced: try again as soon as the replacement is in place.
        await this.workerBack(REBUILD_RETRY_MS);
      }
      if (this.#ended || this.#seats.size === 0) {
        room?.close();
        this.#end('ended');
        return;
      }
    }
    if (!room) {
      this.#end('media_failure');
      return;
    }
    this.#room = room;
    this.#attach(room);
    for (const [peerId, held] of this.#seats) room.addPeer(peerId, { held });
    // Open for calls before anyone hears of it: what 'peerMoved' sets off (switches, admission) runs on the new room.
    this.#rebuilding = undefined;
    for (const peerId of [...this.#seats.keys()]) this.emit('peerMoved', { peerId });
  }

  /** The room as it is now, or a typed refusal while it is being rebuilt (the call is for media that is gone). */
  get #live(): Room {
    if (this.#rebuilding) throw new MediaError('unavailable', 'the session media is being rebuilt');
    return this.#room;
  }

  get id(): string {
    return this.room.id;
  }

  get shape(): RoomShape {
    return this.room.shape;
  }

  get closed(): boolean {
    return this.#ended || (this.#room.closed && !this.#rebuilding);
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.room.rtpCapabilities;
  }

  async addPeer(peerId: string, options: { held: boolean }): Promise<void> {
    await this.#rebuilding;
    this.#room.addPeer(peerId, options);
    this.#seats.set(peerId, options.held);
  }

  removePeer(peerId: string): void {
    this.#seats.delete(peerId);
    this.#room.removePeer(peerId);
  }

  async admit(peerId: string): Promise<void> {
    await this.#live.admit(peerId);
    if (this.#seats.has(peerId)) this.#seats.set(peerId, false);
  }

  createTransport(peerId: string, direction: TransportDirection): Promise<TransportOptionsForClient> {
    return this.#live.createTransport(peerId, direction);
  }

  connectTransport(peerId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    return this.#live.peer(peerId).connectTransport(transportId, dtlsParameters);
  }

  async produce(
    peerId: string,
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    source: ProducerSource | undefined,
    paused: boolean,
  ): Promise<ProducerMade> {
    const producer = await this.#live.produce(peerId, transportId, kind, rtpParameters, source);
    if (paused) await producer.pause();
    return { producerId: producer.id, source: sourceOf(producer) };
  }

  async closeProducer(peerId: string, source: ProducerSource): Promise<boolean> {
    return this.#live.peerIfPresent(peerId)?.closeProducer(source) ?? false;
  }

  setReady(peerId: string, rtpCapabilities: types.RtpCapabilities): Promise<void> {
    return this.#live.setReady(peerId, rtpCapabilities);
  }

  setSending(peerId: string, send: Record<ProducerSource, boolean>): Promise<void> {
    return this.#live.peer(peerId).setSending(send);
  }

  setReceive(peerId: string, receive: { audio: boolean; video: boolean }): Promise<void> {
    return this.#live.peer(peerId).setReceive(receive);
  }

  setVideoFocus(peerId: string, focus: string | null | undefined): Promise<void> {
    return this.#live.peer(peerId).setVideoFocus(focus);
  }

  setConsumerView(peerId: string, consumerId: string, spatialLayer: number, visible: boolean): Promise<void> {
    return this.#live.peer(peerId).setConsumerView(consumerId, spatialLayer, visible);
  }

  consumerReady(peerId: string, consumerId: string): Promise<void> {
    return this.#live.peer(peerId).consumerReady(consumerId);
  }

  async closeConsumer(peerId: string, consumerId: string): Promise<void> {
    this.#live.peerIfPresent(peerId)?.closeConsumer(consumerId);
  }

  requestKeyFrames(peerId: string): Promise<void> {
    return this.#live.requestKeyFrames(peerId);
  }

  restartIce(peerId: string, transportId: string): Promise<types.IceParameters> {
    return this.#live.peer(peerId).restartIce(transportId);
  }
}

/** The rooms whose media this process hosts, through the seam: one `LocalRoomMedia` per mediasoup `Room`. */
export class LocalMediaRooms implements MediaRooms {
  readonly #wrapped = new WeakMap<Room, LocalRoomMedia>();
  /** With rebuilds: the one media per room id, across the rooms under it. */
  readonly #byId = new Map<string, LocalRoomMedia>();

  /** `rebuildOnWorkerDeath`: see LocalRoomMedia (the all-in-one server sets it; a media node does not). */
  constructor(
    readonly registry: RoomRegistry,
    private readonly options: { rebuildOnWorkerDeath?: boolean } = {},
  ) {}

  get(roomId: string): LocalRoomMedia | undefined {
    const kept = this.#byId.get(roomId);
    if (kept && !kept.closed) return kept;
    const room = this.registry.get(roomId);
    return room && this.#wrap(room);
  }

  async getOrCreate(roomId: string, shape: RoomShape): Promise<LocalRoomMedia> {
    const kept = this.#byId.get(roomId);
    if (kept && !kept.closed) return kept;
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
      const { id, shape } = room;
      const rebuilt = this.options.rebuildOnWorkerDeath ? () => this.registry.getOrCreate(id, shape) : undefined;
      const created = new LocalRoomMedia(room, rebuilt, (ms) => this.registry.workerReplaced(ms));
      media = created;
      this.#wrapped.set(room, media);
      if (rebuilt) {
        this.#byId.set(id, created);
        created.once('closed', () => {
          if (this.#byId.get(id) === created) this.#byId.delete(id);
        });
      }
    }
    return media;
  }
}
