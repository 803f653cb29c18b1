import type { NewConsumer, PeerView, RoomJoined, TransportOptions } from '@care/shared';
import { Device, type types } from 'mediasoup-client';
import type { E2eeSession } from '../e2ee/e2ee-session.svelte.js';
import { request, type AppSocket } from '../socket/socket-client.js';

export type MediaConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'failed' | 'closed';

export interface RoomClientEvents {
  onPeerJoined(peer: PeerView): void;
  onPeerLeft(peerId: string): void;
  onTrack(peerId: string, track: MediaStreamTrack): void;
  onTrackEnded(peerId: string, kind: 'audio' | 'video'): void;
  onConnectionState(state: MediaConnectionState): void;
  /** The server ended our place in the room: another tab took over, or the media restarted. */
  onClosed(reason: 'media_failure' | 'ended' | 'replaced'): void;
  /** Our media is not being sent, because encryption is not possible or did not start. */
  onNotSending(): void;
}

/** How long after producing a track its encrypting transform must have seen frames. */
const TRANSFORM_CHECK_MS = 3000;

/**
 * One participant's media in a room, through mediasoup-client: a send
 * transport carrying the local camera and microphone, a receive transport
 * carrying everyone else. Consumers arrive paused from the server and are
 * resumed once they exist here.
 */
export class RoomClient {
  #send: types.Transport | undefined;
  #recv: types.Transport | undefined;
  readonly #producers = new Map<'audio' | 'video', types.Producer>();
  readonly #consumers = new Map<string, { consumer: types.Consumer; peerId: string }>();
  // Consumers are set up one at a time, in the order the server announced them.
  #consumerQueue: Promise<void> = Promise.resolve();
  #state: Record<'send' | 'recv', types.ConnectionState> = { send: 'new', recv: 'new' };
  readonly #unsubscribe: Array<() => void> = [];
  #closed = false;

  constructor(
    private readonly socket: AppSocket,
    private readonly e2ee: E2eeSession,
    private readonly events: RoomClientEvents,
  ) {}

  /**
   * Joins the room and its MLS group, then sends the local tracks, each
   * through the encrypting transform. Fail-closed: without transform support,
   * or without keys, nothing is produced.
   */
  async join(appointmentId: string, localStream: MediaStream): Promise<RoomJoined> {
    this.#listen();
    this.events.onConnectionState('connecting');
    const joined = await request(this.socket, 'room:join', { appointmentId });
    // Those already here first, so their media (announced after room:ready) has someone to belong to.
    for (const peer of joined.peers) this.events.onPeerJoined(peer);
    const device = new Device();
    await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities as types.RtpCapabilities });

    this.#send = this.#createTransport(device, 'send', await request(this.socket, 'room:create-transport', { direction: 'send' }));
    this.#recv = this.#createTransport(device, 'recv', await request(this.socket, 'room:create-transport', { direction: 'recv' }));

    // Receive while the group forms: consumers get their decrypting transform at once and
    // show frames from the moment the keys arrive.
    this.e2ee.prepare();
    if (this.e2ee.state === 'unsupported') {
      this.events.onNotSending();
      return joined;
    }
    await request(this.socket, 'room:ready', { rtpCapabilities: device.recvRtpCapabilities });
    await this.e2ee.start(joined.roomId, joined.peerId, joined.mls);

    for (const track of localStream.getTracks()) {
      const kind = track.kind === 'audio' ? 'audio' : 'video';
      if (!device.canProduce(kind)) continue;
      const producer = await this.#send.produce({
        track,
        stopTracks: false,
        ...(kind === 'video' ? { encodings: [{ maxBitrate: 900_000 }] } : {}),
        ...(kind === 'audio' ? { codecOptions: { opusDtx: true, opusFec: true } } : {}),
      });
      if (!producer.rtpSender) throw new Error('no RTP sender to encrypt');
      this.e2ee.attachSender(producer.rtpSender, kind, producer.id);
      this.#producers.set(kind, producer);
    }
    setTimeout(() => this.#checkTransformsRan(), TRANSFORM_CHECK_MS);
    return joined;
  }

  /** A transform that never saw a frame means media would bypass encryption: stop sending. */
  #checkTransformsRan(): void {
    if (this.#closed) return;
    let stopped = false;
    for (const [kind, producer] of this.#producers) {
      if (producer.closed || producer.paused || this.e2ee.framesSeen(producer.id) > 0) continue;
      producer.close();
      this.#producers.delete(kind);
      stopped = true;
    }
    if (stopped) this.events.onNotSending();
  }

  setTrackEnabled(kind: 'audio' | 'video', enabled: boolean): void {
    const producer = this.#producers.get(kind);
    if (!producer) return;
    if (enabled) producer.resume();
    else producer.pause();
  }

  async leave(): Promise<void> {
    if (this.#closed) return;
    try {
      await request(this.socket, 'room:leave', {});
    } finally {
      this.close();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    this.#send?.close();
    this.#recv?.close();
    this.#consumers.clear();
    this.e2ee.close();
    this.events.onConnectionState('closed');
  }

  /** Inbound RTP statistics of every consumer, for connection quality (and the tests). */
  async inboundStats(): Promise<RTCStatsReport[]> {
    return Promise.all([...this.#consumers.values()].map(({ consumer }) => consumer.getStats()));
  }

  #createTransport(device: Device, direction: 'send' | 'recv', options: TransportOptions): types.Transport {
    const params = {
      id: options.id,
      iceParameters: options.iceParameters as types.IceParameters,
      iceCandidates: options.iceCandidates as types.IceCandidate[],
      dtlsParameters: options.dtlsParameters as types.DtlsParameters,
    };
    // Without this, Chromium runs the transform's worker but sends frames around it, unencrypted.
    const withTransforms = { ...params, additionalSettings: { encodedInsertableStreams: true } as RTCConfiguration };
    const transport = direction === 'send' ? device.createSendTransport(withTransforms) : device.createRecvTransport(withTransforms);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      request(this.socket, 'room:connect-transport', { transportId: transport.id, dtlsParameters }).then(
        () => callback(),
        (error: Error) => errback(error),
      );
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
        request(this.socket, 'room:produce', { transportId: transport.id, kind, rtpParameters }).then(
          ({ producerId }) => callback({ id: producerId }),
          (error: Error) => errback(error),
        );
      });
    }
    transport.on('connectionstatechange', (state) => {
      this.#state[direction] = state;
      this.#reportState();
    });
    return transport;
  }

  #reportState(): void {
    const states = Object.values(this.#state);
    if (states.includes('failed')) this.events.onConnectionState('failed');
    else if (states.includes('disconnected')) this.events.onConnectionState('reconnecting');
    else if (states.every((s) => s === 'connected' || s === 'new') && states.includes('connected')) {
      this.events.onConnectionState('connected');
    }
  }

  #listen(): void {
    const on = <A extends unknown[]>(event: string, handler: (...args: A) => void) => {
      const socket = this.socket as unknown as { on(e: string, h: (...args: A) => void): void; off(e: string, h: (...args: A) => void): void };
      socket.on(event, handler);
      this.#unsubscribe.push(() => socket.off(event, handler));
    };
    on('room:new-consumer', (message: NewConsumer) => {
      this.#consumerQueue = this.#consumerQueue.then(() => this.#consume(message)).catch(() => undefined);
    });
    on('room:consumer-closed', ({ consumerId }: { consumerId: string }) => {
      const entry = this.#consumers.get(consumerId);
      if (!entry) return;
      this.#consumers.delete(consumerId);
      entry.consumer.close();
      this.events.onTrackEnded(entry.peerId, entry.consumer.kind);
    });
    on('room:peer-joined', (peer: PeerView) => this.events.onPeerJoined(peer));
    on('room:peer-left', ({ peerId }: { peerId: string }) => {
      for (const [id, entry] of this.#consumers) {
        if (entry.peerId === peerId) {
          entry.consumer.close();
          this.#consumers.delete(id);
        }
      }
      this.events.onPeerLeft(peerId);
    });
    on('room:closed', ({ reason }: { reason: 'media_failure' | 'ended' | 'replaced' }) => {
      this.close();
      this.events.onClosed(reason);
    });
  }

  async #consume(message: NewConsumer): Promise<void> {
    if (!this.#recv || this.#closed) return;
    const consumer = await this.#recv.consume({
      id: message.consumerId,
      producerId: message.producerId,
      kind: message.kind,
      rtpParameters: message.rtpParameters as types.RtpParameters,
    });
    if (!consumer.rtpReceiver) throw new Error('no RTP receiver to decrypt');
    this.e2ee.attachReceiver(consumer.rtpReceiver, consumer.kind, consumer.id);
    this.#consumers.set(consumer.id, { consumer, peerId: message.peerId });
    this.events.onTrack(message.peerId, consumer.track);
    await request(this.socket, 'room:resume-consumer', { consumerId: consumer.id });
  }
}
