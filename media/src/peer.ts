import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError } from './media-error.js';
import { producerSourceFor, TRANSPORTS_PER_DIRECTION, type ProducerSource } from './peer-limits.js';

/** How many closed consumer ids a peer remembers (a circle's worth of churn): views of them are moot. */
const RECENTLY_CLOSED_KEPT = 64;

/**
 * The simulcast layer a camera's first picture at a receiver comes on, at
 * most (1: the middle one, a quarter of the top one's pixels). Chromium's VP8
 * encoder answers the SFU's key frame request with key frames on all three
 * layers at once (the producer's trace shows them arriving together), the top
 * one several times the size of the middle one's: a newcomer whose first
 * picture is the middle layer's has it whole sooner and decodes a quarter of
 * the pixels while its page is at its busiest. The layer the receiver's view
 * wants follows as soon as the first picture is forwarded.
 */
export const FIRST_PICTURE_MAX_LAYER = 1;

/** The source a producer was made for (every producer is made with one, in `MediaPeer.produce`). */
export function sourceOf(producer: types.Producer): ProducerSource {
  return producer.appData.source as ProducerSource;
}

export type TransportDirection = 'send' | 'recv';

export interface TransportOptionsForClient {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/**
 * One participant's media inside a room: its two WebRTC transports and the
 * producers and consumers on them. It reaches the router only through the
 * Room that created it.
 */
export class MediaPeer {
  readonly transports = new Map<string, types.WebRtcTransport>();
  readonly producers = new Map<string, types.Producer>();
  readonly consumers = new Map<string, types.Consumer>();
  /** What this peer wants to receive (low-bandwidth modes); consumers of other kinds stay paused. */
  receive = { audio: true, video: true };
  /**
   * "Receive less": only this sending peer's video is forwarded (null: none
   * yet); undefined means every video.
   */
  #videoFocus: string | null | undefined;
  /** Set once the client has a receive transport and told its capabilities. */
  rtpCapabilities: types.RtpCapabilities | undefined;
  #closed = false;
  #lastKeyFrameRequest = 0;
  /**
   * Whether the client holds an epoch's end-to-end keys (it says so by asking
   * for key frames as it enters the epoch, Room.requestKeyFrames). Video is
   * forwarded to it from then on: a key frame sent before could not be
   * decrypted, and the next one comes late, as the sender's encoder ignores
   * a request that follows its last key frame closely and the SFU asks again
   * only after a second. A consumer resumed now starts with a key frame it
   * can open. Audio needs no key frame and is forwarded from the answer on.
   */
  #holdsKeys = false;
  // Consumers the client has set up; only those may be resumed.
  readonly #ready = new Set<string>();
  // Consumers whose picture is off screen (tab hidden): paused whatever the mode.
  readonly #offScreen = new Set<string>();
  // The last consumers closed on this peer: a view the client sent before it
  // heard of the closing is moot, not an error (the push is on its way).
  readonly #recentlyClosed = new Set<string>();
  // Transports and producer sources taken, counted before the worker is asked,
  // so requests arriving together cannot all pass the limit (peer-limits.ts).
  readonly #transportsClaimed: Record<TransportDirection, number> = { send: 0, recv: 0 };
  readonly #sourcesClaimed = new Set<ProducerSource>();
  // The producers this peer receives, claimed before the worker is asked: a
  // producer appearing while this peer becomes ready reaches it by both paths
  // (Room.produce and Room.setReady), and a repeated ready reaches every
  // producer again; each must give it one consumer, not two.
  readonly #producersConsumed = new Set<string>();

  // What to do when each consumer goes, whichever way it goes (its producer, its transport, or closeConsumer).
  readonly #onConsumerClosed = new Map<string, () => void>();
  // Cameras whose first picture has not been forwarded yet, and the layer their view wants after it (undefined: the top one).
  readonly #beforeFirstPicture = new Map<string, number | undefined>();

  constructor(
    readonly id: string,
    private readonly log: Logger,
    /**
     * Waiting in the lobby: it may create and connect its transports and
     * send, but nothing of it is forwarded and it receives nothing until the
     * room admits it (Room.admit).
     */
    public held = false,
  ) {}

  get closed(): boolean {
    return this.#closed;
  }

  get recvTransport(): types.WebRtcTransport | undefined {
    for (const t of this.transports.values()) if (t.appData.direction === 'recv') return t;
    return undefined;
  }

  /**
   * Takes this peer's place for a transport of `direction` before it is
   * created; give it back with `releaseTransport` if the creation fails.
   */
  claimTransport(direction: TransportDirection): void {
    if (this.#transportsClaimed[direction] >= TRANSPORTS_PER_DIRECTION) {
      throw new MediaError('limit_reached', `this peer already has a ${direction === 'send' ? 'send' : 'receive'} transport`);
    }
    this.#transportsClaimed[direction]++;
  }

  releaseTransport(direction: TransportDirection): void {
    this.#transportsClaimed[direction] = Math.max(0, this.#transportsClaimed[direction] - 1);
  }

  addTransport(transport: types.WebRtcTransport): TransportOptionsForClient {
    this.transports.set(transport.id, transport);
    transport.observer.on('close', () => this.transports.delete(transport.id));
    transport.on('dtlsstatechange', (state) => {
      if (state === 'failed' || state === 'closed') {
        this.log.warn({ transportId: transport.id, state }, 'transport DTLS ended');
      }
    });
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  transport(transportId: string): types.WebRtcTransport {
    const transport = this.transports.get(transportId);
    if (!transport) throw new MediaError('not_found', `transport ${transportId} is not one of this peer's`);
    return transport;
  }

  async connectTransport(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    await this.transport(transportId).connect({ dtlsParameters });
  }

  async produce(transportId: string, kind: types.MediaKind, rtpParameters: types.RtpParameters, named?: ProducerSource): Promise<types.Producer> {
    const transport = this.transport(transportId);
    if (transport.appData.direction !== 'send') {
      throw new MediaError('invalid_state', 'media can only be sent on the send transport');
    }
    const source = producerSourceFor(kind, named);
    if (this.#sourcesClaimed.has(source)) throw new MediaError('limit_reached', `this peer already sends its ${source}`);
    this.#sourcesClaimed.add(source);
    let producer: types.Producer;
    try {
      producer = await transport.produce({ kind, rtpParameters, appData: { peerId: this.id, source } });
    } catch (error) {
      this.#sourcesClaimed.delete(source);
      throw error;
    }
    this.producers.set(producer.id, producer);
    // The source's place is free again once its producer is gone (a screen share stopped, to be started again).
    producer.observer.on('close', () => {
      this.producers.delete(producer.id);
      this.#sourcesClaimed.delete(source);
    });
    return producer;
  }

  /** This peer's producer of a source, if it sends one now. */
  producerOf(source: ProducerSource): types.Producer | undefined {
    for (const producer of this.producers.values()) if (sourceOf(producer) === source) return producer;
    return undefined;
  }

  /** Closes this peer's producer of a source (a screen share ending); every consumer of it closes with it. */
  closeProducer(source: ProducerSource): boolean {
    const producer = this.producerOf(source);
    producer?.close();
    return producer !== undefined;
  }

  /** Creates a paused consumer; it starts once the client says it is ready for it. */
  async consume(producer: types.Producer, onClosed: (consumerId: string) => void): Promise<types.Consumer | undefined> {
    const transport = this.recvTransport;
    if (!transport || !this.rtpCapabilities || this.#producersConsumed.has(producer.id)) return undefined;
    this.#producersConsumed.add(producer.id);
    let consumer: types.Consumer;
    const firstPicture = producer.type === 'simulcast' && sourceOf(producer) === 'camera';
    try {
      consumer = await transport.consume({
        producerId: producer.id,
        rtpCapabilities: this.rtpCapabilities,
        paused: true,
        appData: { peerId: producer.appData.peerId, source: sourceOf(producer) },
        ...(firstPicture ? { preferredLayers: { spatialLayer: FIRST_PICTURE_MAX_LAYER } } : {}),
      });
    } catch (error) {
      this.#producersConsumed.delete(producer.id);
      throw error;
    }
    this.consumers.set(consumer.id, consumer);
    if (firstPicture) this.#awaitFirstPicture(consumer);
    const closed = (): void => {
      this.#producersConsumed.delete(producer.id);
      this.#onConsumerClosed.delete(consumer.id);
      this.#beforeFirstPicture.delete(consumer.id);
      this.#ready.delete(consumer.id);
      this.#offScreen.delete(consumer.id);
      this.#rememberClosed(consumer.id);
      if (this.consumers.delete(consumer.id)) onClosed(consumer.id);
    };
    this.#onConsumerClosed.set(consumer.id, closed);
    consumer.on('producerclose', () => {
      consumer.close();
      closed();
    });
    consumer.on('transportclose', closed);
    return consumer;
  }

  /** Once the first picture is forwarded (the consumer has a layer), the layer the view wants. */
  #awaitFirstPicture(consumer: types.Consumer): void {
    this.#beforeFirstPicture.set(consumer.id, undefined);
    const onLayers = (layers: types.ConsumerLayers | undefined): void => {
      if (!layers || !this.#beforeFirstPicture.has(consumer.id)) return;
      consumer.off('layerschange', onLayers);
      const wanted = this.#beforeFirstPicture.get(consumer.id);
      this.#beforeFirstPicture.delete(consumer.id);
      // Past the top layer, the worker takes its top layer.
      void this.#unlessClosed(consumer, () => consumer.setPreferredLayers({ spatialLayer: wanted ?? Number.MAX_SAFE_INTEGER })).catch((error: unknown) =>
        this.log.warn({ err: error, consumerId: consumer.id }, 'could not give a picture the layer its view wants'),
      );
    };
    consumer.on('layerschange', onLayers);
  }

  /** Closes a consumer the client could not take (it never answered, or said no): nothing waits on it. */
  closeConsumer(consumerId: string): void {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) return;
    consumer.close();
    this.#onConsumerClosed.get(consumerId)?.();
  }

  /** Starts a consumer the client has set up, unless this peer does not want that kind now. */
  async consumerReady(consumerId: string): Promise<void> {
    const consumer = this.consumers.get(consumerId);
    if (!consumer) throw new MediaError('not_found', `consumer ${consumerId} is not one of this peer's`);
    this.#ready.add(consumerId);
    if (this.#wanted(consumer)) await this.#follow(consumer);
  }

  /** The client holds an epoch's keys now: its videos start (each with a key frame, as a consumer resumes). */
  async keysIn(): Promise<void> {
    if (this.#holdsKeys) return;
    this.#holdsKeys = true;
    for (const consumer of this.consumers.values()) {
      if (consumer.kind === 'video' && this.#ready.has(consumer.id) && this.#wanted(consumer)) await this.#follow(consumer);
    }
  }

  #wanted(consumer: types.Consumer): boolean {
    if (consumer.kind === 'video' && !this.#holdsKeys) return false;
    // "Receive less" keeps a shared screen: it is what the session is looking at, whoever speaks.
    const focused = consumer.appData.source === 'screen' || this.#videoFocus === undefined || consumer.appData.peerId === this.#videoFocus;
    if (consumer.kind === 'video' && !focused) return false;
    return this.receive[consumer.kind] && !this.#offScreen.has(consumer.id);
  }

  /** Receive only one peer's video (the active speaker), or every video again (undefined). */
  async setVideoFocus(peerId: string | null | undefined): Promise<void> {
    if (peerId === this.#videoFocus) return;
    this.#videoFocus = peerId;
    await this.setReceive(this.receive);
  }

  /**
   * The receiver's view of one video: the simulcast layer its tile needs (the
   * SFU never sends more than that), and whether it is on screen at all.
   */
  async setConsumerView(consumerId: string, spatialLayer: number, visible: boolean): Promise<void> {
    const consumer = this.consumers.get(consumerId);
    if (!consumer && this.#recentlyClosed.has(consumerId)) return;
    if (!consumer) throw new MediaError('not_found', `consumer ${consumerId} is not one of this peer's`);
    if (this.#beforeFirstPicture.has(consumerId)) {
      // Its first picture comes on a low layer still; this view's layer follows it.
      this.#beforeFirstPicture.set(consumerId, spatialLayer);
      if (spatialLayer < FIRST_PICTURE_MAX_LAYER) await this.#unlessClosed(consumer, () => consumer.setPreferredLayers({ spatialLayer }));
    } else if (consumer.type === 'simulcast') await this.#unlessClosed(consumer, () => consumer.setPreferredLayers({ spatialLayer }));
    if (visible) this.#offScreen.delete(consumerId);
    else this.#offScreen.add(consumerId);
    if (!this.#ready.has(consumerId)) return;
    await this.#follow(consumer);
  }

  /** Pauses or resumes what this peer receives, by kind: the SFU stops forwarding paused media. */
  async setReceive(receive: { audio: boolean; video: boolean }): Promise<void> {
    this.receive = receive;
    for (const consumer of this.consumers.values()) {
      if (!this.#ready.has(consumer.id)) continue;
      await this.#follow(consumer);
    }
  }

  /** Resumes or pauses a consumer as this peer wants it now. */
  #follow(consumer: types.Consumer): Promise<void> {
    return this.#unlessClosed(consumer, () => (this.#wanted(consumer) ? consumer.resume() : consumer.pause()));
  }

  /**
   * Runs a request on a consumer that may close under it: its producer can
   * leave while the request is on its way to the worker, which then no longer
   * knows it. That is the ordinary end of a consumer, not a fault.
   */
  async #unlessClosed(consumer: types.Consumer, request: () => Promise<unknown>): Promise<void> {
    try {
      await request();
    } catch (error) {
      // The worker's word that the producer closed comes before its refusal, but mediasoup's channel delivers
      // notifications a turn of the event loop later than responses (Channel.processNotification): wait for it.
      await new Promise((resolve) => setImmediate(resolve));
      if (!consumer.closed) throw error;
    }
  }

  #rememberClosed(consumerId: string): void {
    this.#recentlyClosed.add(consumerId);
    // A Set iterates in insertion order: the oldest goes first.
    if (this.#recentlyClosed.size > RECENTLY_CLOSED_KEPT) this.#recentlyClosed.delete(this.#recentlyClosed.values().next().value as string);
  }

  /** Holds back this peer's own media at the SFU, by source: nothing of what is held back is forwarded. */
  async setSending(send: Record<ProducerSource, boolean>): Promise<void> {
    for (const producer of this.producers.values()) {
      if (send[sourceOf(producer)]) await producer.resume();
      else await producer.pause();
    }
  }

  /**
   * Whether a key frame request of this peer is due: at most one a second,
   * however often it asks (Room.requestKeyFrames).
   */
  keyFrameDue(now: number): boolean {
    if (now - this.#lastKeyFrameRequest < 1000) return false;
    this.#lastKeyFrameRequest = now;
    return true;
  }

  async restartIce(transportId: string): Promise<types.IceParameters> {
    return this.transport(transportId).restartIce();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // Closing a transport closes its producers and consumers with it.
    for (const transport of this.transports.values()) transport.close();
    this.transports.clear();
  }
}
