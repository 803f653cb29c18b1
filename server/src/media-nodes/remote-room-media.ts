import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  MediaError,
  type MediaRooms,
  type ProducerMade,
  type ProducerSource,
  type RoomMedia,
  type RoomMediaClosedReason,
  type RoomMediaEvents,
  type RoomShape,
  type TransportDirection,
  type TransportOptionsForClient,
} from '@care/media';
import { ControlClosedProducer, ControlIce, ControlOpened, ControlProduced, ControlReleased, ControlTransport, type ControlEvent, type ControlOperation } from '@care/shared';
import type { types as ms } from 'mediasoup';
import type { Logger } from 'pino';
import { ControlChannel } from './control-channel.js';
import { HEARTBEAT_EVERY_MS, HOME_REFRESH_MS, type MediaNodeRegistry } from './media-node-registry.js';

type InRoom<T> = T extends { roomId: string } ? Omit<T, 'roomId'> : never;

/**
 * A room's media on a media node (CARE_ROLE=signal): each call of the seam is
 * one request on the node's control channel. The channel lost closes the
 * room with 'media_failure', as a worker's death does in one process, so the
 * pages rejoin and the room is placed again.
 */
export class RemoteRoomMedia extends EventEmitter<RoomMediaEvents> implements RoomMedia {
  #closed = false;

  constructor(
    readonly id: string,
    readonly shape: RoomShape,
    readonly instance: number,
    readonly rtpCapabilities: ms.RtpCapabilities,
    readonly channel: ControlChannel,
    private readonly log: Logger,
  ) {
    super();
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The media node's event for this room object (an older room of the same id is not this one). */
  receive(event: ControlEvent): void {
    if (event.instance !== this.instance || this.#closed) return;
    switch (event.event) {
      case 'consumer': {
        const { peerId, producerPeerId, source, consumerId, producerId, kind, rtpParameters } = event;
        this.emit('consumer', { peerId, producerPeerId, source, consumerId, producerId, kind, rtpParameters: rtpParameters as ms.RtpParameters });
        return;
      }
      case 'consumerClosed':
        this.emit('consumerClosed', { peerId: event.peerId, consumerId: event.consumerId });
        return;
      case 'activeSpeaker':
        this.emit('activeSpeaker', { peerId: event.peerId });
        return;
      case 'closed':
        this.close(event.reason);
        return;
      default: {
        const unknown: never = event;
        this.log.warn({ event: String(unknown) }, 'unknown media event');
      }
    }
  }

  close(reason: RoomMediaClosedReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('closed', reason);
  }

  #call(call: InRoom<Exclude<ControlOperation, { op: 'ping' }>>): Promise<unknown> {
    if (this.#closed) return Promise.reject(new MediaError('unavailable', 'the room media is closed'));
    return this.channel.request({ ...call, roomId: this.id } as ControlOperation);
  }

  async addPeer(peerId: string, { held }: { held: boolean }): Promise<void> {
    await this.#call({ op: 'addPeer', peerId, held });
  }

  removePeer(peerId: string): void {
    this.#call({ op: 'removePeer', peerId }).catch((error: unknown) => this.log.debug({ err: error, peerId }, 'peer already gone from the media node'));
  }

  async admit(peerId: string): Promise<void> {
    await this.#call({ op: 'admit', peerId });
  }

  async createTransport(peerId: string, direction: TransportDirection): Promise<TransportOptionsForClient> {
    return ControlTransport.parse(await this.#call({ op: 'createTransport', peerId, direction })) as TransportOptionsForClient;
  }

  async connectTransport(peerId: string, transportId: string, dtlsParameters: ms.DtlsParameters): Promise<void> {
    await this.#call({ op: 'connectTransport', peerId, transportId, dtlsParameters });
  }

  async produce(
    peerId: string,
    transportId: string,
    kind: ms.MediaKind,
    rtpParameters: ms.RtpParameters,
    source: ProducerSource | undefined,
    paused: boolean,
  ): Promise<ProducerMade> {
    const call = { op: 'produce', peerId, transportId, kind, rtpParameters, paused, ...(source ? { source } : {}) } as const;
    return ControlProduced.parse(await this.#call(call as InRoom<Extract<ControlOperation, { op: 'produce' }>>));
  }

  async closeProducer(peerId: string, source: ProducerSource): Promise<boolean> {
    return ControlClosedProducer.parse(await this.#call({ op: 'closeProducer', peerId, source })).closed;
  }

  async setReady(peerId: string, rtpCapabilities: ms.RtpCapabilities): Promise<void> {
    await this.#call({ op: 'setReady', peerId, rtpCapabilities });
  }

  async setSending(peerId: string, send: Record<ProducerSource, boolean>): Promise<void> {
    await this.#call({ op: 'setSending', peerId, send });
  }

  async setReceive(peerId: string, receive: { audio: boolean; video: boolean }): Promise<void> {
    await this.#call({ op: 'setReceive', peerId, receive });
  }

  async setVideoFocus(peerId: string, focus: string | null | undefined): Promise<void> {
    await this.#call({ op: 'setVideoFocus', peerId, ...(focus === undefined ? {} : { focus }) });
  }

  async setConsumerView(peerId: string, consumerId: string, spatialLayer: number, visible: boolean): Promise<void> {
    await this.#call({ op: 'setConsumerView', peerId, consumerId, spatialLayer, visible });
  }

  async consumerReady(peerId: string, consumerId: string): Promise<void> {
    await this.#call({ op: 'consumerReady', peerId, consumerId });
  }

  async closeConsumer(peerId: string, consumerId: string): Promise<void> {
    await this.#call({ op: 'closeConsumer', peerId, consumerId });
  }

  async requestKeyFrames(peerId: string): Promise<void> {
    await this.#call({ op: 'requestKeyFrames', peerId });
  }

  async restartIce(peerId: string, transportId: string): Promise<ms.IceParameters> {
    return ControlIce.parse(await this.#call({ op: 'restartIce', peerId, transportId })) as ms.IceParameters;
  }
}

/** How long a media node whose channel was lost is passed over here, whatever its entry in Redis still says. */
const LOST_NODE_AVOIDED_MS = 10_000;

/**
 * The rooms' media on media nodes, for a signal node: a room is opened on
 * its home (media-node-registry.ts), over one control channel per media
 * node, opened when first needed. A channel lost closes every room on it
 * with 'media_failure', forgets their homes, and passes that node over for
 * a while, so the rejoining pages land on another node.
 */
export class RemoteMediaRooms implements MediaRooms {
  readonly signalId = randomUUID();
  readonly #rooms = new Map<string, RemoteRoomMedia>();
  readonly #channels = new Map<string, Promise<ControlChannel>>();
  readonly #opening = new Map<string, Promise<RemoteRoomMedia>>();
  readonly #releasing = new Map<string, Promise<unknown>>();
  readonly #lostNodes = new Map<string, number>();
  readonly #refresher: NodeJS.Timeout;
  readonly #census: NodeJS.Timeout;
  #nodesUp = 0;

  constructor(
    private readonly registry: MediaNodeRegistry,
    private readonly secret: string,
    private readonly log: Logger,
  ) {
    this.#refresher = setInterval(() => {
      for (const room of this.#rooms.values()) {
        this.registry.refreshHome(room.id, room.channel.nodeId).catch((error: unknown) => this.log.warn({ err: error }, 'could not refresh a room home'));
      }
    }, HOME_REFRESH_MS);
    this.#refresher.unref();
    const count = () =>
      this.registry.nodes().then(
        (nodes) => (this.#nodesUp = nodes.filter((node) => node.state === 'up' && this.registry.fresh(node)).length),
        () => (this.#nodesUp = 0),
      );
    void count();
    this.#census = setInterval(() => void count(), HEARTBEAT_EVERY_MS);
    this.#census.unref();
  }

  /** Media nodes taking rooms now, as last seen in the registry (readiness). */
  get nodesUp(): number {
    return this.#nodesUp;
  }

  get(roomId: string): RemoteRoomMedia | undefined {
    const room = this.#rooms.get(roomId);
    return room && !room.closed ? room : undefined;
  }

  async getOrCreate(roomId: string, shape: RoomShape): Promise<RemoteRoomMedia> {
    await this.#releasing.get(roomId);
    const open = this.get(roomId);
    if (open) return open;
    let pending = this.#opening.get(roomId);
    if (!pending) {
      pending = this.#open(roomId, shape);
      this.#opening.set(roomId, pending);
      const done = () => {
        if (this.#opening.get(roomId) === pending) this.#opening.delete(roomId);
      };
      pending.then(done, done);
    }
    return pending;
  }

  releaseIfEmpty(roomId: string): void {
    const room = this.get(roomId);
    if (!room) return;
    const released = room.channel
      .request({ op: 'release', roomId })
      .then((answer) => {
        // The node's 'closed' event came first on the same channel; this covers a reply that raced it.
        if (ControlReleased.parse(answer).closed) room.close('ended');
      })
      .catch((error: unknown) => this.log.debug({ err: error, roomId }, 'could not release a room'));
    this.#releasing.set(roomId, released);
    void released.then(() => {
      if (this.#releasing.get(roomId) === released) this.#releasing.delete(roomId);
    });
  }

  get size(): number {
    return [...this.#rooms.values()].filter((room) => !room.closed).length;
  }

  closeAll(): void {
    clearInterval(this.#refresher);
    clearInterval(this.#census);
    for (const pending of this.#channels.values()) void pending.then((channel) => channel.close(), () => undefined);
    this.#channels.clear();
  }

  async #open(roomId: string, shape: RoomShape): Promise<RemoteRoomMedia> {
    const home = await this.registry.placeRoom(roomId, this.#avoided());
    if (!home) throw new MediaError('unavailable', 'no media node can take this session now; please try again in a moment');
    const channel = await this.#channel(home.nodeId, home.controlUrl);
    const opened = ControlOpened.parse(await channel.request({ op: 'open', roomId, shape }));
    const room = new RemoteRoomMedia(roomId, shape, opened.instance, opened.rtpCapabilities as ms.RtpCapabilities, channel, this.log.child({ roomId }));
    this.#rooms.set(roomId, room);
    room.once('closed', () => {
      if (this.#rooms.get(roomId) === room) this.#rooms.delete(roomId);
    });
    this.log.info({ roomId, mediaNodeId: home.nodeId }, 'room media opened on a media node');
    return room;
  }

  #avoided(): Set<string> {
    const now = Date.now();
    for (const [nodeId, until] of this.#lostNodes) if (until < now) this.#lostNodes.delete(nodeId);
    return new Set(this.#lostNodes.keys());
  }

  #channel(nodeId: string, url: string): Promise<ControlChannel> {
    let pending = this.#channels.get(nodeId);
    if (!pending) {
      pending = ControlChannel.connect(url, this.secret, this.signalId, this.log);
      this.#channels.set(nodeId, pending);
      pending.then(
        (channel) => {
          channel.on('event', (event) => this.#rooms.get(event.roomId)?.receive(event));
          channel.once('lost', () => this.#lost(nodeId, channel));
          if (channel.lost) this.#lost(nodeId, channel);
        },
        () => this.#lost(nodeId),
      );
    }
    return pending;
  }

  #lost(nodeId: string, channel?: ControlChannel): void {
    this.#channels.delete(nodeId);
    this.#lostNodes.set(nodeId, Date.now() + LOST_NODE_AVOIDED_MS);
    if (!channel) return;
    for (const room of [...this.#rooms.values()]) {
      if (room.channel !== channel) continue;
      this.registry.forgetHome(room.id, nodeId).catch((error: unknown) => this.log.warn({ err: error }, 'could not forget a room home'));
      room.close('media_failure');
    }
  }
}
