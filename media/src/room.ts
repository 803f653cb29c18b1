import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError } from './media-error.js';
import type { MediaSettings } from './media-settings.js';
import { MediaPeer, sourceOf, type TransportDirection, type TransportOptionsForClient } from './peer.js';
import { checkProducerParameters, offeredCapabilities, type RoomShape } from './room-shape.js';
import { MAX_INCOMING_BITRATE, MIN_OUTGOING_BITRATE, type ProducerSource } from './peer-limits.js';
import { RoomRouters } from './room-routers.js';
import type { CarriedProducer } from './host-pipe-receiver.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * A producer of a peer on another media host (a room spanning media nodes,
 * issue 14): consumed here like a local one, through a pipe that `carry`
 * opens on the receiver's router at the first consumer and that its last
 * consumer releases.
 */
export interface FarProducer {
  readonly peerId: string;
  readonly producerId: string;
  readonly kind: types.MediaKind;
  readonly source: ProducerSource;
  carry(router: types.Router): Promise<CarriedProducer>;
}

export interface ConsumerCreated {
  /** The peer that receives. */
  peerId: string;
  /** The peer whose media it is. */
  producerPeerId: string;
  /** What of theirs it is: their microphone, camera or shared screen. */
  source: ProducerSource;
  consumer: types.Consumer;
}

interface RoomEvents {
  consumer: [ConsumerCreated];
  consumerClosed: [{ peerId: string; consumerId: string }];
  /** The dominant speaker changed (from the clear audio-level header, so it works with E2EE on). */
  activeSpeaker: [{ peerId: string }];
  /** The router is gone (its worker died, or the room was closed). */
  closed: [reason: 'media_failure' | 'ended'];
}

/**
 * A room's media: its peers, and its routers (room-routers.ts: one at first,
 * more on other workers once a worker is full, joined by pipes). Whenever media can
 * flow from one peer to another (a new producer, a peer becoming ready, or a
 * held peer admitted), the room creates the paused consumers, all at once,
 * and announces each. A peer added `held` (waiting in the lobby) may set up
 * its transports and producers, but nothing of it is forwarded and it
 * receives nothing until `admit`.
 */
export class Room extends EventEmitter<RoomEvents> {
  readonly #peers = new Map<string, MediaPeer>();
  /** Audio producers the speaker observer listens to. */
  readonly #heard = new Set<string>();
  /** Producers of peers on other media hosts, by producer id. */
  readonly #far = new Map<string, FarProducer>();
  /** Far voices the speaker observer listens to, with the release of the pipe that brings each home. */
  readonly #farHeard = new Map<string, () => void>();
  #closed = false;

  private constructor(
    readonly id: string,
    /** A pair's audio follows no speech and has no speaker to pick; a group's does (see room-shape.ts). */
    readonly shape: RoomShape,
    private readonly routers: RoomRouters,
    private readonly speakers: types.ActiveSpeakerObserver | undefined,
    private readonly settings: MediaSettings,
    private readonly log: Logger,
  ) {
    super();
    speakers?.on('dominantspeaker', ({ producer }) => {
      this.emit('activeSpeaker', { peerId: String(producer.appData.peerId) });
    });
  }

  static async create(id: string, shape: RoomShape, pool: WorkerPool, settings: MediaSettings, log: Logger): Promise<Room> {
    const roomLog = log.child({ component: 'room', roomId: id });
    // The room is made once its routers are: a worker dying before then is the creation's failure.
    const failed = { room: undefined as Room | undefined };
    const routers = await RoomRouters.create(shape, pool, settings.consumersPerWorker, () => failed.room?.shutdownOnFailure(), roomLog);
    const speakers = shape === 'group' ? await routers.home.router.createActiveSpeakerObserver({ interval: 300 }) : undefined;
    const room = new Room(id, shape, routers, speakers, settings, roomLog);
    failed.room = room;
    room.log.info({ workerIndex: routers.home.slot.index, shape }, 'room media created');
    return room;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** What the room offers its clients to negotiate (a pair's leaves out the audio-level extension). */
  get rtpCapabilities(): types.RtpCapabilities {
    return offeredCapabilities(this.shape, this.routers.home.router.rtpCapabilities);
  }

  /** The room's home router, for observers on the server side (they see only what the SFU sees). */
  get mediaRouter(): types.Router {
    return this.routers.home.router;
  }

  /** The router a peer's transports are on (undefined before its first transport). */
  mediaRouterOf(peerId: string): types.Router | undefined {
    return this.routers.routerOf(peerId)?.router;
  }

  /** How many routers the room spans now, and how many pipes join them (each one producer carried to one router). */
  get span(): { routers: number; pipes: number } {
    return { routers: this.routers.count, pipes: this.routers.pipeCount };
  }

  /** Every producer in the room, with the peer that sends it. */
  *producers(): Iterable<{ peerId: string; producer: types.Producer }> {
    for (const peer of this.#peers.values()) {
      for (const producer of peer.producers.values()) yield { peerId: peer.id, producer };
    }
  }

  /** Everyone in the room, by peer id. */
  peerIds(): string[] {
    return [...this.#peers.keys()];
  }

  get peerCount(): number {
    return this.#peers.size;
  }

  addPeer(peerId: string, options: { held?: boolean } = {}): MediaPeer {
    if (this.#closed) throw new MediaError('unavailable', 'the room media is closed');
    if (this.#peers.has(peerId)) throw new MediaError('invalid_state', `peer ${peerId} is already in the room`);
    const peer = new MediaPeer(peerId, this.log.child({ peerId }), options.held === true);
    this.#peers.set(peerId, peer);
    // The first peer here: the far voices are heard again (see #listenToFar).
    if (this.#peers.size === 1) for (const far of this.#far.values()) void this.#hearFar(far);
    return peer;
  }

  /**
   * Lets a held peer's media flow: its voice joins the speaker observer, and
   * it and the others receive each other (consumers created together).
   */
  async admit(peerId: string): Promise<void> {
    const peer = this.peer(peerId);
    if (!peer.held) return;
    peer.held = false;
    for (const producer of peer.producers.values()) await this.#listenTo(producer);
    const pairs: Array<[MediaPeer, types.Producer]> = [];
    for (const other of this.#peers.values()) {
      if (other === peer) continue;
      for (const producer of other.producers.values()) pairs.push([peer, producer]);
      for (const producer of peer.producers.values()) pairs.push([other, producer]);
    }
    await Promise.all([this.#consumeAll(pairs), this.#consumeFar([...this.#far.values()].map((far) => [peer, far]))]);
  }

  /**
   * A far host's producer joins the room: every ready peer here receives it
   * (the consumers are made after this returns; each opens or shares the pipe).
   */
  addFarProducer(far: FarProducer): void {
    if (this.#closed) throw new MediaError('unavailable', 'the room media is closed');
    if (this.#far.has(far.producerId) || this.#peers.has(far.peerId)) throw new MediaError('invalid_state', 'that producer or its peer is here already');
    this.#far.set(far.producerId, far);
    void this.consumeFarAgain(far.producerId);
  }

  /** The far producer is gone: nothing new consumes it (its pipes close from the far side, their consumers with them). */
  removeFarProducer(producerId: string): boolean {
    this.#farHeard.get(producerId)?.();
    this.#farHeard.delete(producerId);
    return this.#far.delete(producerId);
  }

  /** Far producers of this room, by id. */
  hasFarProducer(producerId: string): boolean {
    return this.#far.has(producerId);
  }

  /** Consumes a far producer for every ready peer that lacks it (after its pipe died and a new one is due). */
  async consumeFarAgain(producerId: string): Promise<void> {
    const far = this.#far.get(producerId);
    if (!far) return;
    await Promise.all([this.#consumeFar([...this.#peers.values()].map((peer) => [peer, far])), this.#hearFar(far)]);
  }

  peer(peerId: string): MediaPeer {
    const peer = this.#peers.get(peerId);
    if (!peer) throw new MediaError('not_found', 'not in this room');
    return peer;
  }

  /** The peer, if it is (still) in the room. */
  peerIfPresent(peerId: string): MediaPeer | undefined {
    return this.#peers.get(peerId);
  }

  removePeer(peerId: string): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
    peer.close();
    this.routers.release(peerId);
    if (this.#peers.size === 0) this.#stopHearingFar();
  }

  async createTransport(peerId: string, direction: TransportDirection): Promise<TransportOptionsForClient> {
    const peer = this.peer(peerId);
    peer.claimTransport(direction);
    let transport: types.WebRtcTransport | undefined;
    try {
      const { router, slot } = await this.routers.place(peerId);
      transport = await router.createWebRtcTransport({
        webRtcServer: slot.webRtcServer,
        enableUdp: true,
        enableTcp: true,
        preferUdp: true,
        initialAvailableOutgoingBitrate: this.settings.initialAvailableOutgoingBitrate,
        appData: { peerId, direction },
      });
      // Capped before the client hears of it, so no media ever arrives uncapped.
      await transport.setMaxIncomingBitrate(MAX_INCOMING_BITRATE);
      if (direction === 'recv') await transport.setMinOutgoingBitrate(MIN_OUTGOING_BITRATE);
    } catch (error) {
      transport?.close();
      peer.releaseTransport(direction);
      throw error;
    }
    if (peer.closed) {
      transport.close();
      throw new MediaError('invalid_state', 'the peer left');
    }
    return peer.addTransport(transport);
  }

  async produce(
    peerId: string,
    transportId: string,
    kind: types.MediaKind,
    rtpParameters: types.RtpParameters,
    source?: ProducerSource,
  ): Promise<types.Producer> {
    checkProducerParameters(this.shape, kind, rtpParameters);
    const peer = this.peer(peerId);
    const producer = await peer.produce(transportId, kind, rtpParameters, source);
    // A held peer's media waits for its admission (Room.admit).
    if (peer.held) return producer;
    await this.#listenTo(producer);
    // The producer's answer does not wait for the others' consumers.
    void this.#consumeAll([...this.#peers.values()].filter((other) => other !== peer).map((other) => [other, producer]));
    return producer;
  }

  /** The peer can receive now: give it everything the others already send (a held peer: once admitted). */
  async setReady(peerId: string, rtpCapabilities: types.RtpCapabilities): Promise<void> {
    const peer = this.peer(peerId);
    if (!peer.recvTransport) throw new MediaError('invalid_state', 'create the receive transport first');
    peer.rtpCapabilities = rtpCapabilities;
    const pairs: Array<[MediaPeer, types.Producer]> = [];
    for (const other of this.#peers.values()) {
      if (other !== peer) for (const producer of other.producers.values()) pairs.push([peer, producer]);
    }
    await Promise.all([this.#consumeAll(pairs), this.#consumeFar([...this.#far.values()].map((far) => [peer, far]))]);
  }

  /**
   * Asks for key frames of every video this peer receives, and of its own
   * video for everyone who receives it: a decoder starts only from a key
   * frame, and one sent before this peer and the others held the end-to-end
   * keys of the epoch could not be decrypted. At most once a second per peer.
   * The first ask also says the peer holds keys: its videos start then (MediaPeer.keysIn).
   */
  async requestKeyFrames(peerId: string, now = Date.now()): Promise<void> {
    const peer = this.peer(peerId);
    await peer.keysIn();
    if (!peer.keyFrameDue(now)) return;
    const consumers = [...peer.consumers.values()];
    for (const other of this.#peers.values()) {
      if (other === peer) continue;
      for (const consumer of other.consumers.values()) if (consumer.appData.peerId === peerId) consumers.push(consumer);
    }
    await Promise.all(consumers.filter((c) => c.kind === 'video' && !c.closed).map((c) => c.requestKeyFrame()));
  }

  close(): void {
    this.#shutdown('ended');
  }

  /** A worker under one of the room's routers died (RoomRouters tells): its media is gone. */
  private shutdownOnFailure(): void {
    this.#shutdown('media_failure');
  }

  /**
   * A voice joins the speaker observer, once (admission and a new producer
   * may both get here). The observer is on the home router: a voice sent to
   * another router is piped home for as long as it is sent.
   */
  async #listenTo(producer: types.Producer): Promise<void> {
    if (producer.kind !== 'audio' || !this.speakers || this.#heard.has(producer.id)) return;
    this.#heard.add(producer.id);
    const from = this.routers.routerOf(String(producer.appData.peerId));
    let release = (): void => undefined;
    try {
      if (from) release = await this.routers.carry(producer, from.router, this.routers.home.router);
    } catch (error) {
      this.#heard.delete(producer.id);
      throw error;
    }
    if (producer.closed) {
      release();
      return;
    }
    producer.observer.once('close', () => {
      this.#heard.delete(producer.id);
      release();
    });
    await this.speakers.addProducer({ producerId: producer.id });
  }

  #hearFar(far: FarProducer): Promise<void> {
    return this.#listenToFar(far).catch((error: unknown) => {
      const gone = this.#closed || !this.#far.has(far.producerId);
      this.log[gone ? 'debug' : 'warn']({ err: error, producerId: far.producerId }, 'far voice not heard by the speaker observer');
    });
  }

  /** No peer of the room is on this host any more: its observer picks nobody, and holds no pipe for it. */
  #stopHearingFar(): void {
    for (const release of this.#farHeard.values()) release();
    this.#farHeard.clear();
  }

  /**
   * A far host's voice joins the speaker observer too, piped to the home
   * router for as long as it is announced: each media node of a room then
   * picks the speaker from every voice in it, not only its own peers' (the
   * signal node follows one node's pick; any of them can be that one). Only
   * while some peer of the room is here: an empty side holds no pipe for
   * it. In a circle the pipe is usually there anyway, for the consumers here.
   */
  async #listenToFar(far: FarProducer): Promise<void> {
    if (far.kind !== 'audio' || !this.speakers || this.#peers.size === 0 || this.#farHeard.has(far.producerId)) return;
    let released = false;
    let carried: CarriedProducer | undefined;
    const release = () => {
      released = true;
      carried?.release();
    };
    this.#farHeard.set(far.producerId, release);
    try {
      carried = await far.carry(this.routers.home.router);
    } catch (error) {
      if (this.#farHeard.get(far.producerId) === release) this.#farHeard.delete(far.producerId);
      throw error;
    }
    const { producer } = carried;
    // Removed (or the room closed) while the pipe opened; or the far host piped another producer than the one announced.
    if (released || this.#closed || producer.closed || producer.kind !== 'audio' || producer.appData.peerId !== far.peerId) {
      carried.release();
      if (this.#farHeard.get(far.producerId) === release) this.#farHeard.delete(far.producerId);
      return;
    }
    // A pipe that dies takes its producer with it: the voice is heard again when the pipe is opened again (consumeFarAgain).
    producer.observer.once('close', () => {
      carried?.release();
      if (this.#farHeard.get(far.producerId) === release) this.#farHeard.delete(far.producerId);
    });
    await this.speakers.addProducer({ producerId: producer.id });
  }

  /** Creates these consumers side by side; one that cannot be made (its peer left meanwhile) does not stop the others. */
  async #consumeAll(pairs: ReadonlyArray<[MediaPeer, types.Producer]>): Promise<void> {
    const results = await Promise.allSettled(pairs.map(([receiver, producer]) => this.#consume(receiver, producer)));
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      const [receiver, producer] = pairs[index] ?? [];
      // A peer or producer that went while its consumer was being made is the usual reason, and no fault.
      const gone = this.#closed || receiver?.closed === true || producer?.closed === true;
      this.log[gone ? 'debug' : 'warn']({ err: result.reason, peerId: receiver?.id, producerId: producer?.id }, 'consumer not created');
    });
  }

  async #consume(receiver: MediaPeer, producer: types.Producer): Promise<void> {
    if (!receiver.rtpCapabilities || !receiver.recvTransport || producer.closed) return;
    // Nobody held in the lobby receives or is received.
    const producerPeerId = String(producer.appData.peerId);
    if (receiver.held || this.#peers.get(producerPeerId)?.held !== false) return;
    const from = this.routers.routerOf(producerPeerId);
    const to = this.routers.routerOf(receiver.id);
    if (!from || !to) return;
    // The consumer holds the pipe that brings the producer to its router (none on the same router) until it closes.
    const release = await this.routers.carry(producer, from.router, to.router);
    let consumer: types.Consumer | undefined;
    try {
      if (!to.router.canConsume({ producerId: producer.id, rtpCapabilities: receiver.rtpCapabilities })) {
        this.log.warn({ peerId: receiver.id, producerId: producer.id }, 'peer cannot consume this producer');
      } else {
        consumer = await receiver.consume(producer, (consumerId) => {
          release();
          this.emit('consumerClosed', { peerId: receiver.id, consumerId });
        });
      }
    } finally {
      if (!consumer) release();
    }
    if (!consumer) return;
    this.emit('consumer', {
      peerId: receiver.id,
      producerPeerId: String(producer.appData.peerId),
      source: sourceOf(producer),
      consumer,
    });
  }

  /** Like #consumeAll, for producers on far hosts. */
  async #consumeFar(pairs: ReadonlyArray<[MediaPeer, FarProducer]>): Promise<void> {
    const results = await Promise.allSettled(pairs.map(([receiver, far]) => this.#consumeOneFar(receiver, far)));
    results.forEach((result, index) => {
      if (result.status === 'fulfilled') return;
      const [receiver, far] = pairs[index] ?? [];
      const gone = this.#closed || receiver?.closed === true || (far !== undefined && !this.#far.has(far.producerId));
      this.log[gone ? 'debug' : 'warn']({ err: result.reason, peerId: receiver?.id, producerId: far?.producerId }, 'consumer of a far producer not created');
    });
  }

  async #consumeOneFar(receiver: MediaPeer, far: FarProducer): Promise<void> {
    if (!receiver.rtpCapabilities || !receiver.recvTransport || receiver.held || !this.#far.has(far.producerId)) return;
    if ([...receiver.consumers.values()].some((consumer) => consumer.producerId === far.producerId)) return;
    const to = this.routers.routerOf(receiver.id);
    if (!to) return;
    const carried = await far.carry(to.router);
    let consumer: types.Consumer | undefined;
    try {
      if (!this.#far.has(far.producerId) || carried.producer.closed) return;
      // The far host describes its producer; it must be the one the room was told of (whose it is feeds focus and key frames).
      const { appData } = carried.producer;
      if (carried.producer.kind !== far.kind || appData.peerId !== far.peerId || appData.source !== far.source) {
        throw new MediaError('pipe_refused', 'the far host piped another producer than the one announced');
      }
      if (!to.router.canConsume({ producerId: carried.producer.id, rtpCapabilities: receiver.rtpCapabilities })) {
        this.log.warn({ peerId: receiver.id, producerId: far.producerId }, 'peer cannot consume this far producer');
        return;
      }
      consumer = await receiver.consume(carried.producer, (consumerId) => {
        carried.release();
        this.emit('consumerClosed', { peerId: receiver.id, consumerId });
      });
    } finally {
      if (!consumer) carried.release();
    }
    if (!consumer) return;
    this.emit('consumer', { peerId: receiver.id, producerPeerId: far.peerId, source: far.source, consumer });
  }

  #shutdown(reason: 'media_failure' | 'ended'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#far.clear();
    this.#stopHearingFar();
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    this.routers.close();
    this.log.info({ reason }, 'room media closed');
    this.emit('closed', reason);
  }
}
