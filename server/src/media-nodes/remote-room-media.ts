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
import {
  ControlClosedProducer,
  ControlIce,
  ControlOpened,
  ControlPlainSend,
  ControlProduced,
  ControlReleased,
  ControlTransport,
  type ControlEvent,
  type ControlOperation,
} from '@care/shared';
import type { types as ms } from 'mediasoup';
import type { Logger } from 'pino';
import { ControlChannel } from './control-channel.js';
import type { ControlTlsClient } from './control-tls.js';
import { HEARTBEAT_EVERY_MS, HOME_REFRESH_MS, type MediaNodeRegistry } from './media-node-registry.js';

type InRoom<T> = T extends { roomId: string } ? Omit<T, 'roomId'> : never;
type PeerOperation = InRoom<Extract<ControlOperation, { peerId: string }>>;
type PipeCallEvent = Extract<ControlEvent, { event: 'pipeCall' }>;
type PipeMirrorEvent = Extract<ControlEvent, { event: 'pipeMirror' }>;
type DrainingEvent = Extract<ControlEvent, { event: 'draining' }>;
type RoomEvent = Exclude<ControlEvent, PipeCallEvent | PipeMirrorEvent | DrainingEvent>;

/** The room on one media node: the node's channel, the room object's instance there, and the peers placed on it. */
export interface NodeSide {
  readonly nodeId: string;
  readonly channel: ControlChannel;
  readonly instance: number;
  readonly peers: Set<string>;
}

/** What a room spanning nodes asks of the rooms around it: a node for a newcomer (the room opened on it if new). */
export interface SidePlacer {
  place(room: RemoteRoomMedia): Promise<NodeSide>;
  /** A pipe between two of the room's nodes was found dead (a metric). */
  pipeDied(): void;
}

interface KnownProducer {
  readonly peerId: string;
  readonly side: NodeSide;
  readonly kind: ms.MediaKind;
  readonly source: ProducerSource;
}

/**
 * A room's media on media nodes (CARE_ROLE=signal): each call of the seam is
 * one request on the control channel of the node the peer is on. A room
 * starts on its home node and may span more (issue 14): a newcomer arriving
 * when the room's nodes are loaded is placed on another (SidePlacer), and
 * each producer is announced to the room's other nodes, which pipe it over
 * on their first consumer of it. The nodes never talk to each other: their
 * pipe messages come here, are checked against what this room knows (its
 * nodes, its producers, the pipes it carried) and go on to the other node.
 * The only node lost closes the room with 'media_failure', as a worker's
 * death does in one process, so the pages rejoin and the room is placed
 * again; one of several lost takes only its own peers out ('peersLost'),
 * and the others keep their media with each other.
 */
export class RemoteRoomMedia extends EventEmitter<RoomMediaEvents> implements RoomMedia {
  #closed = false;
  /** The nodes the room is on, the home first. */
  readonly #sides = new Map<string, NodeSide>();
  readonly #peerSide = new Map<string, NodeSide>();
  readonly #held = new Set<string>();
  readonly #producers = new Map<string, KnownProducer>();
  /** Pipes this room carried between its nodes, by pipe id: from the producer's node to the consumers'. */
  readonly #pipes = new Map<string, { from: NodeSide; to: NodeSide }>();
  /** The speaker each node of the room picked last (its observer tells only of changes). */
  readonly #speakerSaid = new Map<string, string>();
  /** Peers whose media is being moved to another node, with whether they left meanwhile. */
  readonly #moving = new Map<string, { left: boolean }>();

  constructor(
    readonly id: string,
    readonly shape: RoomShape,
    home: NodeSide,
    readonly rtpCapabilities: ms.RtpCapabilities,
    private readonly placer: SidePlacer,
    private readonly log: Logger,
  ) {
    super();
    this.#sides.set(home.nodeId, home);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** The room's first node still up (where its home record points). */
  get home(): NodeSide {
    const [home] = this.#sides.values();
    if (!home) throw new MediaError('unavailable', 'the room media is closed');
    return home;
  }

  /** The home node's control channel. */
  get channel(): ControlChannel {
    return this.home.channel;
  }

  /** The nodes the room is on now. */
  get sides(): NodeSide[] {
    return [...this.#sides.values()];
  }

  /** The node a peer's transports are on. */
  nodeOf(peerId: string): string | undefined {
    return this.#peerSide.get(peerId)?.nodeId;
  }

  /** Pipes between the room's nodes open now, as this signal node carried them. */
  get pipeCount(): number {
    return this.#pipes.size;
  }

  /** Joins a node the room was opened on for a newcomer: it learns of every producer already sent elsewhere. */
  addSide(side: NodeSide): void {
    this.#sides.set(side.nodeId, side);
    for (const [producerId, producer] of this.#producers) if (!this.#held.has(producer.peerId)) this.#announce(producerId, producer, [side]);
  }

  /** The media node's event for this room object (an older room of the same id is not this one). */
  receive(event: RoomEvent, channel: ControlChannel): void {
    const side = this.#sides.get(channel.nodeId);
    if (!side || side.channel !== channel || event.instance !== side.instance || this.#closed) return;
    switch (event.event) {
      case 'consumer': {
        const { peerId, producerPeerId, source, consumerId, producerId, kind, rtpParameters } = event;
        // A consumer for a peer on another node is not this node's to announce.
        if (this.#peerSide.get(peerId) !== side) return;
        this.emit('consumer', { peerId, producerPeerId, source, consumerId, producerId, kind, rtpParameters: rtpParameters as ms.RtpParameters });
        return;
      }
      case 'consumerClosed':
        if (this.#peerSide.get(event.peerId) !== side) return;
        this.emit('consumerClosed', { peerId: event.peerId, consumerId: event.consumerId });
        return;
      case 'activeSpeaker':
        this.#speakerSaid.set(side.nodeId, event.peerId);
        if (side === this.#hearing()) this.emit('activeSpeaker', { peerId: event.peerId });
        return;
      case 'closed':
        this.nodeLost(side.nodeId, event.reason);
        return;
      default: {
        const unknown: never = event;
        this.log.warn({ event: String(unknown) }, 'unknown media event');
      }
    }
  }

  /**
   * A media node of the room asks something of another for a pipe: passed on
   * only if both are this room's nodes, the producer is one of this room's on
   * the other node (and forwarded there), and the pipe is one it asked for.
   * The answer goes back to the asking node either way.
   */
  async pipeCall(event: PipeCallEvent, channel: ControlChannel): Promise<void> {
    let reply: Extract<ControlOperation, { op: 'pipeReply' }>;
    try {
      const to = this.#sides.get(channel.nodeId);
      if (!to || to.channel !== channel) throw new MediaError('not_found', 'that room is not open on this media node');
      reply = { op: 'pipeReply', callId: event.callId, ok: true, result: await this.#passPipeCall(event, to) };
    } catch (error) {
      const known = error instanceof MediaError;
      reply = { op: 'pipeReply', callId: event.callId, ok: false, error: { code: known ? error.code : 'unavailable', message: known ? error.message.slice(0, 500) : 'the far media node could not do that' } };
    }
    await channel.request(reply).catch((error: unknown) => this.log.debug({ err: error }, 'pipe reply not delivered'));
  }

  async #passPipeCall({ farNodeId, call }: PipeCallEvent, to: NodeSide): Promise<unknown> {
    const from = this.#sides.get(farNodeId);
    if (!from || from === to) throw new MediaError('not_found', 'that media node is not one of this room\'s');
    switch (call.op) {
      case 'open': {
        const { producerId, pipeId } = call.request;
        const producer = typeof producerId === 'string' ? this.#producers.get(producerId) : undefined;
        if (!producer || producer.side !== from || this.#held.has(producer.peerId) || typeof pipeId !== 'string') throw new MediaError('not_found', 'no such producer in this room');
        if (this.#pipes.has(pipeId)) throw new MediaError('pipe_refused', 'pipe id already in use');
        this.#pipes.set(pipeId, { from, to });
        try {
          return await from.channel.request({ op: 'pipeOpen', roomId: this.id, farNodeId: to.nodeId, request: call.request });
        } catch (error) {
          this.#pipes.delete(pipeId);
          throw error;
        }
      }
      case 'connect':
        this.#ownPipe(call.answer.pipeId, from, to);
        return from.channel.request({ op: 'pipeConnect', farNodeId: to.nodeId, answer: call.answer });
      case 'close': {
        const pipeId = this.#ownPipe(call.message.pipeId, from, to);
        this.#pipes.delete(pipeId);
        return from.channel.request({ op: 'pipeClose', farNodeId: to.nodeId, message: call.message });
      }
      default: {
        const unknown: never = call;
        throw new MediaError('invalid_state', `unknown pipe call ${String((unknown as { op: unknown }).op)}`);
      }
    }
  }

  /** A producer's node mirrors it to the pipe's far node; false: not a pipe of this room from that node. */
  pipeMirror({ farNodeId, message }: PipeMirrorEvent, channel: ControlChannel): boolean {
    const pipeId = typeof message.pipeId === 'string' ? message.pipeId : '';
    const pipe = this.#pipes.get(pipeId);
    if (!pipe || pipe.from.channel !== channel || pipe.to.nodeId !== farNodeId) return false;
    if (message.event === 'close' || message.event === 'dead') this.#pipes.delete(pipeId);
    if (message.event === 'dead') this.placer.pipeDied();
    pipe.to.channel
      .request({ op: 'pipeMirror', farNodeId: pipe.from.nodeId, message })
      .catch((error: unknown) => this.log.debug({ err: error, pipeId }, 'pipe mirror not delivered'));
    return true;
  }

  #ownPipe(pipeId: unknown, from: NodeSide, to: NodeSide): string {
    const pipe = typeof pipeId === 'string' ? this.#pipes.get(pipeId) : undefined;
    if (!pipe || pipe.from !== from || pipe.to !== to) throw new MediaError('not_found', 'no such pipe');
    return pipeId as string;
  }

  /**
   * A node of the room is gone (its channel lost, or its room closed there).
   * Its producers leave the others, which close their pipes with it. Its
   * peers' media is made again on another node (`#rehome`: their pages keep
   * their seats, the group and its keys), on one of the room's other nodes
   * or a fresh one; only when there is none are they lost (they rejoin), and
   * a room left with no node closes with `reason`. A planned end ('ended',
   * a node that let the room go) closes the room if it was its only node.
   */
  nodeLost(nodeId: string, reason: RoomMediaClosedReason = 'media_failure'): void {
    const side = this.#sides.get(nodeId);
    if (!side || this.#closed) return;
    const lost = [...side.peers];
    const moving = reason === 'media_failure' && lost.length > 0;
    if (this.#sides.size === 1 && !moving) return this.close(reason);
    const held = new Set(lost.filter((peerId) => this.#held.has(peerId)));
    const hearing = this.#hearing();
    this.#sides.delete(nodeId);
    this.#speakerSaid.delete(nodeId);
    for (const [pipeId, pipe] of [...this.#pipes]) if (pipe.from === side || pipe.to === side) this.#pipes.delete(pipeId);
    for (const [producerId, producer] of [...this.#producers]) if (producer.side === side) this.#producers.delete(producerId);
    for (const peerId of lost) {
      this.#peerSide.delete(peerId);
      this.#held.delete(peerId);
    }
    for (const other of this.#sides.values()) {
      other.channel.request({ op: 'farNodeLost', farNodeId: nodeId }).catch((error: unknown) => this.log.debug({ err: error }, 'far node loss not delivered'));
    }
    if (moving) {
      this.log.warn({ mediaNodeId: nodeId, peers: lost.length }, 'a media node of the room is gone; its peers\' media moves to another');
      void this.#rehome(lost, held);
    } else {
      this.log.info({ mediaNodeId: nodeId }, 'the room ended on one of its media nodes');
    }
    if (hearing === side) this.#hearingChanged();
  }

  /**
   * Peers whose node died get their media on another: each is placed (the
   * room's other nodes, or a fresh one opened for it) and added there. One
   * that left meanwhile is not; those that cannot be placed are lost.
   */
  async #rehome(peerIds: readonly string[], held: ReadonlySet<string>): Promise<void> {
    const marks = new Map(peerIds.map((peerId) => [peerId, { left: false }] as const));
    for (const [peerId, mark] of marks) this.#moving.set(peerId, mark);
    const lost: string[] = [];
    try {
      for (const [peerId, mark] of marks) {
        if (this.#closed) return;
        if (mark.left) continue;
        const to = await this.placer.place(this).catch(() => undefined);
        if (!to || !(await this.#adopt(peerId, to, held.has(peerId), mark).catch(() => false))) lost.push(peerId);
      }
    } finally {
      for (const peerId of marks.keys()) this.#moving.delete(peerId);
    }
    if (lost.length === 0 || this.#closed) return;
    if (this.#sides.size === 0) {
      this.close('media_failure');
      return;
    }
    this.log.warn({ peers: lost.length }, 'no media node could take some peers of a lost node; they rejoin');
    this.emit('peersLost', { peerIds: lost.filter((peerId) => !marks.get(peerId)?.left) });
  }

  /** Adds a peer whose media is being moved on `to` and says so ('peerMoved'), unless it left meanwhile. */
  async #adopt(peerId: string, to: NodeSide, held: boolean, mark: { left: boolean }): Promise<boolean> {
    if (this.#closed || this.#sides.get(to.nodeId) !== to) return false;
    await to.channel.request({ op: 'addPeer', roomId: this.id, peerId, held });
    if (mark.left || this.#closed || this.#sides.get(to.nodeId) !== to) {
      // Gone while it moved: nothing of it stays on the new node either.
      to.channel.request({ op: 'removePeer', roomId: this.id, peerId }).catch(() => undefined);
      return mark.left;
    }
    const hearing = this.#hearing();
    this.#peerSide.set(peerId, to);
    to.peers.add(peerId);
    if (held) this.#held.add(peerId);
    if (this.#hearing() !== hearing) this.#hearingChanged();
    this.log.info({ peerId, to: to.nodeId }, 'peer media moved to another media node');
    this.emit('peerMoved', { peerId });
    return true;
  }

  /**
   * The node whose speaker the room follows: the first (from the home on)
   * with peers of the room. Each node's observer hears every voice in the
   * room (far ones piped to it), but while it has peers only, and each picks
   * at its own moments; following one keeps the pick from flapping.
   */
  #hearing(): NodeSide | undefined {
    for (const side of this.#sides.values()) if (side.peers.size > 0) return side;
    return undefined;
  }

  /** Another node is followed now: its last pick stands (its observer tells only of changes). */
  #hearingChanged(): void {
    const side = this.#hearing();
    const speaker = side ? this.#speakerSaid.get(side.nodeId) : undefined;
    if (speaker !== undefined && this.#peerSide.has(speaker)) this.emit('activeSpeaker', { peerId: speaker });
  }

  close(reason: RoomMediaClosedReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.emit('closed', reason);
  }

  #side(peerId: string): NodeSide {
    const side = this.#peerSide.get(peerId);
    if (!side) throw new MediaError('not_found', 'not in this room');
    return side;
  }

  #call(call: PeerOperation): Promise<unknown> {
    if (this.#closed) return Promise.reject(new MediaError('unavailable', 'the room media is closed'));
    try {
      return this.#side(call.peerId).channel.request({ ...call, roomId: this.id } as ControlOperation);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** Tells the room's other nodes (or `to`) of a producer they may consume; a node that cannot hear it is lost soon anyway. */
  #announce(producerId: string, producer: KnownProducer, to: NodeSide[] = [...this.#sides.values()]): void {
    for (const side of to) {
      if (side === producer.side) continue;
      side.channel
        .request({ op: 'farProducer', roomId: this.id, peerId: producer.peerId, producerId, kind: producer.kind, source: producer.source, farNodeId: producer.side.nodeId })
        .catch((error: unknown) => this.log.warn({ err: error, producerId }, 'a far node was not told of a producer'));
    }
  }

  #withdraw(producerId: string): void {
    const producer = this.#producers.get(producerId);
    if (!producer) return;
    this.#producers.delete(producerId);
    for (const side of this.#sides.values()) {
      if (side === producer.side) continue;
      side.channel.request({ op: 'farProducerClosed', roomId: this.id, producerId }).catch((error: unknown) => this.log.debug({ err: error, producerId }, 'a far node was not told a producer closed'));
    }
  }

  async addPeer(peerId: string, { held }: { held: boolean }): Promise<void> {
    if (this.#closed) throw new MediaError('unavailable', 'the room media is closed');
    if (this.#peerSide.has(peerId)) throw new MediaError('invalid_state', 'that peer is in the room already');
    const side = await this.placer.place(this);
    if (this.#closed || this.#sides.get(side.nodeId) !== side) throw new MediaError('unavailable', 'the room media is closed');
    await side.channel.request({ op: 'addPeer', roomId: this.id, peerId, held });
    const hearing = this.#hearing();
    this.#peerSide.set(peerId, side);
    side.peers.add(peerId);
    if (held) this.#held.add(peerId);
    if (this.#hearing() !== hearing) this.#hearingChanged();
  }

  removePeer(peerId: string): void {
    const moving = this.#moving.get(peerId);
    if (moving) moving.left = true;
    const side = this.#peerSide.get(peerId);
    if (!side) return;
    this.#call({ op: 'removePeer', peerId }).catch((error: unknown) => this.log.debug({ err: error, peerId }, 'peer already gone from the media node'));
    const hearing = this.#hearing();
    this.#peerSide.delete(peerId);
    side.peers.delete(peerId);
    // A node left without peers forgets its pick (its observer starts afresh when someone comes back).
    if (side.peers.size === 0) this.#speakerSaid.delete(side.nodeId);
    if (this.#hearing() !== hearing) this.#hearingChanged();
    this.#held.delete(peerId);
    for (const [producerId, producer] of [...this.#producers]) if (producer.peerId === peerId) this.#withdraw(producerId);
  }

  /**
   * Moves a peer's media to `to`, another of the room's nodes (its own is
   * draining): what it had on its node goes, as when it leaves (the others'
   * consumers of it close, its pipes with them), and it is added on `to`,
   * held if it was. 'peerMoved' then has the live session apply what it
   * keeps for the peer there and its page make its media again; its seat in
   * the room and its MLS leaf do not change.
   */
  async movePeer(peerId: string, to: NodeSide): Promise<boolean> {
    const from = this.#peerSide.get(peerId);
    if (!from || from === to || this.#closed || this.#sides.get(to.nodeId) !== to || this.#moving.has(peerId)) return false;
    const held = this.#held.has(peerId);
    this.removePeer(peerId);
    const mark = { left: false };
    this.#moving.set(peerId, mark);
    try {
      return (await this.#adopt(peerId, to, held, mark)) && !mark.left;
    } finally {
      this.#moving.delete(peerId);
    }
  }

  async admit(peerId: string): Promise<void> {
    await this.#call({ op: 'admit', peerId });
    if (!this.#held.delete(peerId)) return;
    for (const [producerId, producer] of this.#producers) if (producer.peerId === peerId) this.#announce(producerId, producer);
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
    const side = this.#side(peerId);
    const call = { op: 'produce', peerId, transportId, kind, rtpParameters, paused, ...(source ? { source } : {}) } as const;
    const made = ControlProduced.parse(await this.#call(call as InRoom<Extract<ControlOperation, { op: 'produce' }>>));
    // The peer left (or its node went) while it produced: nothing to announce.
    if (this.#peerSide.get(peerId) !== side) return made;
    const producer: KnownProducer = { peerId, side, kind, source: made.source };
    this.#producers.set(made.producerId, producer);
    if (!this.#held.has(peerId)) this.#announce(made.producerId, producer);
    return made;
  }

  async closeProducer(peerId: string, source: ProducerSource): Promise<boolean> {
    const closed = ControlClosedProducer.parse(await this.#call({ op: 'closeProducer', peerId, source })).closed;
    for (const [producerId, producer] of [...this.#producers]) if (producer.peerId === peerId && producer.source === source) this.#withdraw(producerId);
    return closed;
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

  /** Tests only (the node's MEDIA_TEST_PLAIN_INGRESS): a plain RTP send transport for a headless member. Not on the seam. */
  async plainSend(peerId: string): Promise<{ transportId: string; ip: string; port: number }> {
    return ControlPlainSend.parse(await this.#call({ op: 'plainSend', peerId }));
  }
}

/** How long a media node whose channel was lost is passed over here, whatever its entry in Redis still says. */
const LOST_NODE_AVOIDED_MS = 10_000;

/** When a room's newcomers go to another media node (config: MEDIA_NODE_SPILL_LOAD, MEDIA_ROOM_PEERS_PER_NODE). */
export interface SpillSettings {
  /** A node at this registry load (0 to 1) or above is full for newcomers. */
  spillLoad: number;
  /** A node holding this many of the room's peers is full too (0: off; tests only). */
  peersPerNode: number;
}

/**
 * The rooms' media on media nodes, for a signal node: a room is opened on
 * its home (media-node-registry.ts), over one control channel per media
 * node, opened when first needed; a newcomer arriving when the room's nodes
 * are full goes to another node, which the room then spans. A channel lost
 * closes every room only on it with 'media_failure' (a room on other nodes
 * too loses only that node's peers), forgets their homes, and passes that
 * node over for a while, so the rejoining pages land on another node.
 */
export class RemoteMediaRooms implements MediaRooms, SidePlacer {
  readonly signalId = randomUUID();
  readonly #rooms = new Map<string, RemoteRoomMedia>();
  readonly #channels = new Map<string, Promise<ControlChannel>>();
  readonly #opening = new Map<string, Promise<RemoteRoomMedia>>();
  /** Rooms being opened on one more node, by room and node. */
  readonly #widening = new Map<string, Promise<NodeSide>>();
  readonly #releasing = new Map<string, Promise<unknown>>();
  readonly #lostNodes = new Map<string, number>();
  #pipesDied = 0;
  /** Rooms being moved off a draining node, by room and node. */
  readonly #evacuating = new Set<string>();
  readonly #refresher: NodeJS.Timeout;
  readonly #census: NodeJS.Timeout;
  #nodesUp = 0;

  constructor(
    private readonly registry: MediaNodeRegistry,
    private readonly secret: string,
    private readonly log: Logger,
    private readonly spill: SpillSettings = { spillLoad: 0.8, peersPerNode: 0 },
    /** The CA media nodes' control ports must present certificates from (wss:// only), or none. */
    private readonly tls?: ControlTlsClient,
  ) {
    this.#refresher = setInterval(() => {
      for (const room of this.#rooms.values()) {
        // A room between nodes (its only one died, its people being placed anew) has no home to keep for a moment.
        if (room.closed || room.sides.length === 0) continue;
        this.registry.refreshHome(room.id, room.home.nodeId).catch((error: unknown) => this.log.warn({ err: error }, 'could not refresh a room home'));
      }
    }, HOME_REFRESH_MS);
    this.#refresher.unref();
    const count = () =>
      this.registry.nodes().then(
        (nodes) => {
          this.#nodesUp = nodes.filter((node) => node.state === 'up' && this.registry.fresh(node)).length;
          this.#moveOffDraining(new Set(nodes.filter((node) => node.state === 'draining').map((node) => node.nodeId)));
        },
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
    const released = Promise.all(
      room.sides.map((side) =>
        side.channel.request({ op: 'release', roomId }).then(
          (answer) => ControlReleased.parse(answer).closed,
          (error: unknown) => {
            this.log.debug({ err: error, roomId }, 'could not release a room');
            return false;
          },
        ),
      ),
    ).then((closed) => {
      // The nodes' 'closed' events came first on the same channels; this covers replies that raced them.
      if (closed.every(Boolean)) room.close('ended');
    });
    this.#releasing.set(roomId, released);
    void released.then(() => {
      if (this.#releasing.get(roomId) === released) this.#releasing.delete(roomId);
    });
  }

  get size(): number {
    return [...this.#rooms.values()].filter((room) => !room.closed).length;
  }

  /** Pipes between media nodes carried for this node's rooms now, and how many were found dead since it started. */
  get pipeStats(): { open: number; died: number } {
    let open = 0;
    for (const room of this.#rooms.values()) if (!room.closed) open += room.pipeCount;
    return { open, died: this.#pipesDied };
  }

  pipeDied(): void {
    this.#pipesDied++;
  }

  closeAll(): void {
    clearInterval(this.#refresher);
    clearInterval(this.#census);
    for (const pending of this.#channels.values()) void pending.then((channel) => channel.close(), () => undefined);
    this.#channels.clear();
  }

  /**
   * The node for a room's newcomer: the first of the room's nodes that is not
   * full (its registry load at MEDIA_NODE_SPILL_LOAD, or the room's peers on
   * it at MEDIA_ROOM_PEERS_PER_NODE); when all are, the least loaded fresh,
   * non-draining node the room is not on yet, the room opened there; when
   * there is none, the room's last node all the same (crowded beats refused).
   */
  async place(room: RemoteRoomMedia): Promise<NodeSide> {
    const nodes = await this.registry.nodes().catch(() => []);
    const entry = (nodeId: string) => nodes.find((node) => node.nodeId === nodeId);
    const full = (side: NodeSide) => {
      const found = entry(side.nodeId);
      // A draining node keeps what it has until it is moved off, and takes nobody new.
      if (found?.state === 'draining') return true;
      const loaded = found !== undefined && this.registry.fresh(found) && found.load >= this.spill.spillLoad;
      return loaded || (this.spill.peersPerNode > 0 && side.peers.size >= this.spill.peersPerNode);
    };
    const sides = room.sides;
    const open = sides.find((side) => !full(side));
    if (open) return open;
    const avoided = this.#avoided();
    const onRoom = new Set(sides.map((side) => side.nodeId));
    const next = nodes
      .filter((node) => node.state === 'up' && this.registry.fresh(node) && !avoided.has(node.nodeId) && !onRoom.has(node.nodeId) && node.load < this.spill.spillLoad)
      .sort((a, b) => a.load - b.load)[0];
    const last = sides.at(-1);
    if (!next) {
      if (!last) throw new MediaError('unavailable', 'the room media is closed');
      return last;
    }
    const key = `${room.id}>${next.nodeId}`;
    let widening = this.#widening.get(key);
    if (!widening) {
      widening = this.#openSide(room, next.nodeId, next.controlUrl);
      this.#widening.set(key, widening);
      const done = () => {
        if (this.#widening.get(key) === widening) this.#widening.delete(key);
      };
      widening.then(done, done);
    }
    return widening;
  }

  /**
   * Every room of this node's with people on a draining media node moves
   * them off it, one peer after another, to the room's other nodes or a
   * fresh one (`place`), so a node told to stop (SIGTERM) empties as soon
   * as its people have their media elsewhere, instead of cutting them off
   * at the end of its grace. Each moved page loses its media for about a
   * second and keeps its seat and the group's keys. With nowhere to go,
   * the rest stay and finish there (within the node's grace).
   */
  #moveOffDraining(draining: ReadonlySet<string>): void {
    if (draining.size === 0) return;
    for (const room of this.#rooms.values()) {
      for (const side of room.sides) {
        const key = `${room.id}>${side.nodeId}`;
        if (room.closed || !draining.has(side.nodeId) || side.peers.size === 0 || this.#evacuating.has(key)) continue;
        this.#evacuating.add(key);
        this.#evacuate(room, side)
          .catch((error: unknown) => this.log.warn({ err: error, roomId: room.id }, 'could not move a room off a draining media node'))
          .finally(() => this.#evacuating.delete(key));
      }
    }
  }

  async #evacuate(room: RemoteRoomMedia, side: NodeSide): Promise<void> {
    let moved = 0;
    for (const peerId of [...side.peers]) {
      if (room.closed || !room.sides.includes(side)) return;
      const to = await this.place(room);
      // Nowhere else to go: what is left finishes where it is.
      if (to === side) break;
      if (await room.movePeer(peerId, to)) moved++;
    }
    this.log.info({ roomId: room.id, mediaNodeId: side.nodeId, moved, left: side.peers.size }, 'room moved off a draining media node');
    if (side.peers.size > 0 || room.closed) return;
    // Emptied: the draining node lets the room go (and exits once it holds none), and its home is where it lives now.
    await side.channel.request({ op: 'release', roomId: room.id }).catch((error: unknown) => this.log.debug({ err: error }, 'could not release a room on a draining node'));
    await this.registry.forgetHome(room.id, side.nodeId);
    if (!room.closed && room.sides.length > 0) await this.registry.refreshHome(room.id, room.home.nodeId);
  }

  async #openSide(room: RemoteRoomMedia, nodeId: string, controlUrl: string): Promise<NodeSide> {
    const channel = await this.#channel(nodeId, controlUrl);
    const opened = ControlOpened.parse(await channel.request({ op: 'open', roomId: room.id, shape: room.shape }));
    const side: NodeSide = { nodeId: channel.nodeId, channel, instance: opened.instance, peers: new Set() };
    if (room.closed) throw new MediaError('unavailable', 'the room media is closed');
    room.addSide(side);
    this.log.info({ roomId: room.id, mediaNodeId: side.nodeId, nodes: room.sides.length }, 'room spans another media node');
    // The room's only node now (its last one died): it is the room's home from here on.
    if (room.sides.length === 1) {
      await this.registry.refreshHome(room.id, side.nodeId).catch((error: unknown) => this.log.warn({ err: error }, 'could not record a room home'));
    }
    return side;
  }

  async #open(roomId: string, shape: RoomShape): Promise<RemoteRoomMedia> {
    const home = await this.registry.placeRoom(roomId, this.#avoided());
    if (!home) throw new MediaError('unavailable', 'no media node can take this session now; please try again in a moment');
    const channel = await this.#channel(home.nodeId, home.controlUrl);
    const opened = ControlOpened.parse(await channel.request({ op: 'open', roomId, shape }));
    const side: NodeSide = { nodeId: channel.nodeId, channel, instance: opened.instance, peers: new Set() };
    const room = new RemoteRoomMedia(roomId, shape, side, opened.rtpCapabilities as ms.RtpCapabilities, this, this.log.child({ roomId }));
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
      pending = ControlChannel.connect(url, this.secret, this.signalId, this.log, this.tls);
      this.#channels.set(nodeId, pending);
      pending.then(
        (channel) => {
          channel.on('event', (event) => this.#event(event, channel));
          channel.once('lost', () => this.#lost(nodeId, channel));
          if (channel.lost) this.#lost(nodeId, channel);
        },
        () => this.#lost(nodeId),
      );
    }
    return pending;
  }

  #event(event: ControlEvent, channel: ControlChannel): void {
    switch (event.event) {
      case 'pipeCall': {
        const room = this.get(event.roomId);
        if (room) {
          void room.pipeCall(event, channel);
          return;
        }
        channel
          .request({ op: 'pipeReply', callId: event.callId, ok: false, error: { code: 'not_found', message: 'that room is not open here' } })
          .catch(() => undefined);
        return;
      }
      case 'pipeMirror':
        for (const room of this.#rooms.values()) if (room.pipeMirror(event, channel)) return;
        return;
      case 'consumer':
      case 'consumerClosed':
      case 'activeSpeaker':
      case 'closed':
        this.#rooms.get(event.roomId)?.receive(event, channel);
        return;
      // Without waiting for the next look at the registry.
      case 'draining':
        this.#moveOffDraining(new Set([channel.nodeId]));
        return;
      default: {
        const unknown: never = event;
        this.log.warn({ event: String(unknown) }, 'unknown media event');
      }
    }
  }

  #lost(nodeId: string, channel?: ControlChannel): void {
    this.#channels.delete(nodeId);
    this.#lostNodes.set(nodeId, Date.now() + LOST_NODE_AVOIDED_MS);
    if (!channel) return;
    for (const room of [...this.#rooms.values()]) {
      if (!room.sides.some((side) => side.channel === channel)) continue;
      if (room.home.channel !== channel) {
        room.nodeLost(channel.nodeId);
        continue;
      }
      room.nodeLost(channel.nodeId);
      // Forgotten, so the next join places the room afresh; a room still on other nodes records its new home.
      this.registry
        .forgetHome(room.id, nodeId)
        .then(() => (room.closed || room.sides.length === 0 ? undefined : this.registry.refreshHome(room.id, room.home.nodeId)))
        .catch((error: unknown) => this.log.warn({ err: error }, 'could not forget a room home'));
    }
  }
}
