import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError } from './media-error.js';
import { PipeLedger } from './pipe-ledger.js';
import { placeParticipant } from './placement.js';
import { routerCodecs, type RoomShape } from './room-shape.js';
import type { PooledWorker, WorkerPool } from './worker-pool.js';

/** A router of the room and the worker it runs on. */
export interface PlacedRouter {
  readonly router: types.Router;
  readonly slot: PooledWorker;
}

/**
 * One room's routers on this host, one per worker it uses, and the pipes
 * between them. The room starts on one router (its home, where the speaker
 * observer listens); a participant whose arrival finds the room's current
 * worker at the consumer threshold is placed on a router on a lighter worker
 * (placement.ts), made on first need. Media crosses between routers with
 * mediasoup's `pipeToRouter`, one pipe per producer and far router, opened
 * when the first consumer there needs it and closed when the last one goes
 * (pipe-ledger.ts); mediasoup mirrors the producer's pause, resume and close
 * onto the pipe's far end. A far router closes when its last participant
 * leaves, and its pipe transports with it. Pipes carry the same SRTP-less
 * RTP the router already holds, on loopback: the payloads are the senders'
 * SFrame ciphertext, as on every other hop.
 */
export class RoomRouters {
  /** Routers by worker slot, the home's included. */
  readonly #byWorker = new Map<number, Promise<PlacedRouter>>();
  /** Where each participant is placed (or being placed): both its transports go there. */
  readonly #placing = new Map<string, Promise<PlacedRouter>>();
  readonly #placed = new Map<string, PlacedRouter>();
  readonly #pipes = new PipeLedger();
  #current: PlacedRouter;
  #closed = false;

  private constructor(
    readonly home: PlacedRouter,
    private readonly shape: RoomShape,
    private readonly pool: WorkerPool,
    /** Consumers on a worker from which new participants go elsewhere (MediaSettings.consumersPerWorker). */
    private readonly threshold: number,
    /** A worker under one of the routers died: the room's media is gone. */
    private readonly onWorkerClosed: () => void,
    private readonly log: Logger,
  ) {
    this.#current = home;
    this.#byWorker.set(home.slot.index, Promise.resolve(home));
    home.router.on('workerclose', onWorkerClosed);
  }

  static async create(shape: RoomShape, pool: WorkerPool, threshold: number, onWorkerClosed: () => void, log: Logger): Promise<RoomRouters> {
    const slot = pool.leastLoaded();
    const router = await slot.worker.createRouter({ mediaCodecs: routerCodecs(shape) });
    return new RoomRouters({ router, slot }, shape, pool, threshold, onWorkerClosed, log);
  }

  /** Routers the room has now (the home's included). */
  get count(): number {
    return this.#byWorker.size;
  }

  /** Pipes open now, each one producer carried to one far router. */
  get pipeCount(): number {
    return this.#pipes.size;
  }

  /** The participant's router, once placed (it is, from its first transport on). */
  routerOf(peerId: string): PlacedRouter | undefined {
    return this.#placed.get(peerId);
  }

  /** The router for this participant's transports: chosen at its first transport, the same for the second. */
  place(peerId: string): Promise<PlacedRouter> {
    let placing = this.#placing.get(peerId);
    if (!placing) {
      placing = this.#choose();
      const mine = placing;
      this.#placing.set(peerId, mine);
      mine.then(
        (placed) => {
          if (this.#placing.get(peerId) === mine) this.#placed.set(peerId, placed);
        },
        () => {
          if (this.#placing.get(peerId) === mine) this.#placing.delete(peerId);
        },
      );
    }
    return placing;
  }

  /** The participant left: a far router nobody is placed on any more closes, with its pipes. */
  release(peerId: string): void {
    const placed = this.#placed.get(peerId);
    this.#placing.delete(peerId);
    this.#placed.delete(peerId);
    if (placed && placed !== this.home) void this.#closeIfUnused(placed);
  }

  async #closeIfUnused(placed: PlacedRouter): Promise<void> {
    // A placement still being decided may be headed for this router: decide once they are.
    await Promise.allSettled([...this.#placing.values()]);
    if (this.#closed || placed.router.closed) return;
    for (const other of this.#placed.values()) if (other === placed) return;
    this.#byWorker.delete(placed.slot.index);
    if (this.#current === placed) this.#current = this.home;
    placed.router.close();
    this.log.info({ workerIndex: placed.slot.index }, 'room router closed (nobody placed on it)');
  }

  /**
   * Makes the producer available on `to` for as long as the caller holds it
   * (a consumer there, or the speaker observer); the answer is the release,
   * to be called once. A producer already on `to` needs no pipe.
   */
  async carry(producer: types.Producer, from: types.Router, to: types.Router): Promise<() => void> {
    if (from === to) return () => undefined;
    return this.#pipes.acquire(`${producer.id}>${to.id}`, async () => {
      const { pipeProducer } = await from.pipeToRouter({ producerId: producer.id, router: to, listenInfo: { protocol: 'udp', ip: '127.0.0.1' }, enableSctp: false });
      if (!pipeProducer) throw new MediaError('unavailable', 'the pipe between routers has no producer');
      this.log.debug({ producerId: producer.id, routerId: to.id }, 'producer piped');
      return pipeProducer;
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pipes.clear();
    for (const placed of this.#byWorker.values()) void placed.then((p) => p.router.close(), () => undefined);
    this.#byWorker.clear();
    this.home.router.close();
  }

  async #choose(): Promise<PlacedRouter> {
    if (this.#closed) throw new MediaError('unavailable', 'the room media is closed');
    const workers = this.pool.running();
    const current = this.#current;
    const choice = (slot: PooledWorker) => ({ index: slot.index, consumers: slot.load.consumers });
    const index = placeParticipant(choice(current.slot), workers.map(choice), this.threshold);
    const slot = workers.find((w) => w.index === index) ?? current.slot;
    const placed = await this.#routerOn(slot);
    // Its last participant left while this one was being placed: place again (a new router, or the home).
    if (placed.router.closed) {
      if (this.#closed) throw new MediaError('unavailable', 'the room media is closed');
      return this.#choose();
    }
    if (placed !== current) this.log.info({ workerIndex: slot.index, consumers: slot.load.consumers }, 'room spans another worker');
    this.#current = placed;
    return placed;
  }

  #routerOn(slot: PooledWorker): Promise<PlacedRouter> {
    let pending = this.#byWorker.get(slot.index);
    if (!pending) {
      pending = slot.worker.createRouter({ mediaCodecs: routerCodecs(this.shape) }).then((router) => {
        if (this.#closed) router.close();
        else router.on('workerclose', this.onWorkerClosed);
        return { router, slot };
      });
      const mine = pending;
      this.#byWorker.set(slot.index, mine);
      mine.catch(() => {
        if (this.#byWorker.get(slot.index) === mine) this.#byWorker.delete(slot.index);
      });
    }
    return pending;
  }
}
