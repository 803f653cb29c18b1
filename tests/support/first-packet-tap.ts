import type { types } from 'mediasoup';
import { rtpPayload } from './rtp-tap.js';

/** One RTP packet a producer sent the router, as a server-side spy receives it. */
export interface FirstTapPacket {
  ssrc: number;
  sequenceNumber: number;
  timestamp: number;
  payloadType: number;
  /** The codec of the packet's payload type ('video/rtx' for retransmissions). */
  mimeType: string;
  marker: boolean;
  payload: Uint8Array;
}

export interface TappedProducer {
  producer: types.Producer;
  kind: types.MediaKind;
  peerId: string;
  /** Every packet forwarded to the spy, in order. */
  packets: FirstTapPacket[];
  /**
   * Media packets the router had counted when the spy's consumer was made:
   * asked for in the same breath as the consumer, so the worker answers right
   * after making it. Whatever arrived in the moment between the producer's
   * creation and the spy's consumer reached no participant either: their
   * consumers are asked for after the spy's.
   */
  receivedBeforeTap: Promise<number>;
}

/**
 * A spy on the SFU that sees every producer from the moment it is created:
 * on the worker's `newrouter` it opens a DirectTransport in that router, and
 * on each transport's `newproducer` it asks the worker, in the same tick, for
 * a pipe consumer (every simulcast stream, as received). That request reaches
 * the worker before the room's own consumers are asked for, so no participant
 * can be forwarded a packet this spy does not get.
 */
export class FirstPacketTap {
  readonly #producers = new Map<string, TappedProducer>();
  readonly #transports: types.DirectTransport[] = [];
  readonly #onRouter = (router: types.Router) => this.#watchRouter(router);

  private constructor(private readonly worker: types.Worker) {
    worker.observer.on('newrouter', this.#onRouter);
  }

  static watch(worker: types.Worker): FirstPacketTap {
    return new FirstPacketTap(worker);
  }

  /** Every producer seen so far, in the order they were created. */
  get producers(): TappedProducer[] {
    return [...this.#producers.values()];
  }

  /** Media packets (retransmissions aside) the producer received, all streams together, as the router counts them. */
  static async receivedByRouter(producer: types.Producer): Promise<number> {
    return (await producer.getStats()).reduce((sum, stream) => sum + stream.packetCount, 0);
  }

  close(): void {
    this.worker.observer.off('newrouter', this.#onRouter);
    for (const transport of this.#transports) transport.close();
  }

  #watchRouter(router: types.Router): void {
    const direct = router.createDirectTransport();
    direct.then((t) => this.#transports.push(t)).catch(() => undefined);
    router.observer.on('newtransport', (transport) => {
      transport.observer.on('newproducer', (producer) => {
        let before!: (count: number) => void;
        const tapped: TappedProducer = {
          producer,
          kind: producer.kind,
          peerId: String(producer.appData.peerId),
          packets: [],
          receivedBeforeTap: new Promise<number>((resolve) => (before = resolve)),
        };
        this.#producers.set(producer.id, tapped);
        void direct
          .then((spy) => {
            const consumed = spy.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities, pipe: true });
            FirstPacketTap.receivedByRouter(producer).then(before, () => before(Number.NaN));
            return consumed;
          })
          .then((consumer) => {
            const codecs = new Map(consumer.rtpParameters.codecs.map((c) => [c.payloadType, c.mimeType.toLowerCase()]));
            consumer.on('rtp', (packet: Buffer) => {
              const payloadType = packet[1]! & 0x7f;
              tapped.packets.push({
                ssrc: packet.readUInt32BE(8),
                sequenceNumber: packet.readUInt16BE(2),
                timestamp: packet.readUInt32BE(4),
                payloadType,
                mimeType: codecs.get(payloadType) ?? 'unknown',
                marker: (packet[1]! & 0x80) !== 0,
                payload: rtpPayload(new Uint8Array(packet)).slice(),
              });
            });
          })
          .catch(() => undefined);
      });
    });
  }
}
