import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError } from './media-error.js';
import type { MediaSettings } from './media-settings.js';
import { trackLoad, type WorkerLoad } from './worker-load.js';

/** One mediasoup worker process and the WebRtcServer that gives it a single media port. */
export interface PooledWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  /** The ports the WebRtcServer actually listens on. */
  readonly udpPort: number;
  readonly tcpPort: number;
  /** Routers and consumers on this worker now, for placement (worker-load.ts). */
  readonly load: WorkerLoad;
}

interface WorkerPoolEvents {
  /** A worker died and was replaced; every router it held is gone. */
  workerReplaced: [index: number];
}

/**
 * Owns the mediasoup workers: one per configured slot, each with a
 * WebRtcServer so all of a worker's transports share one UDP port (and one TCP
 * port as fallback). A worker that dies is replaced in its slot; the routers it
 * held close on their own ('workerclose'), which tells their rooms.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #slots: PooledWorker[] = [];
  #closed = false;

  private constructor(
    private readonly settings: MediaSettings,
    private readonly log: Logger,
  ) {
    super();
  }

  static async create(settings: MediaSettings, log: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(settings, log.child({ component: 'worker-pool' }));
    try {
      for (let index = 0; index < settings.workers; index++) {
        pool.#slots.push(await pool.#start(index));
      }
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** The worker with the fewest consumers, then the fewest routers: rooms spread over the cores. */
  leastLoaded(): PooledWorker {
    let best: PooledWorker | undefined;
    for (const slot of this.running()) {
      if (!best || slot.load.consumers < best.load.consumers || (slot.load.consumers === best.load.consumers && slot.load.routers < best.load.routers)) best = slot;
    }
    if (!best) throw new MediaError('unavailable', 'no media worker is running');
    return best;
  }

  /** The workers running now (a dead one's slot is empty until its replacement starts). */
  running(): PooledWorker[] {
    return this.#slots.filter((slot) => !slot.worker.closed);
  }

  /** The media ports in use (for logs and the startup banner). */
  ports(): { udp: number[]; tcp: number[] } {
    return { udp: this.#slots.map((s) => s.udpPort), tcp: this.#slots.map((s) => s.tcpPort) };
  }

  close(): void {
    this.#closed = true;
    for (const slot of this.#slots) slot.worker.close();
    this.#slots.length = 0;
  }

  async #start(index: number): Promise<PooledWorker> {
    const { settings } = this;
    const worker = await withoutSignalListeners(() =>
      mediasoup.createWorker({
        logLevel: settings.logLevel,
        logTags: ['info', 'ice', 'dtls', 'rtp', 'srtp', 'rtcp'],
        ...(settings.workerBin ? { workerBin: settings.workerBin } : {}),
        disableLiburing: true,
      }),
    );
    const load = trackLoad(worker);
    const port = settings.portBase === 0 ? undefined : settings.portBase + index;
    const common = {
      ip: settings.listenIp,
      ...(settings.announcedAddress ? { announcedAddress: settings.announcedAddress } : {}),
      ...(port === undefined ? {} : { port }),
    };
    let webRtcServer: types.WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ...common },
          { protocol: 'tcp', ...common },
        ],
      });
    } catch (error) {
      worker.close();
      const reason = error instanceof Error ? error.message : String(error);
      throw new MediaError(
        'port_in_use',
        `media port ${port ?? '(any)'} on ${settings.listenIp} could not be opened (${reason}); ` +
          'set MEDIA_PORT_BASE to free ports, or 0 to let the system choose',
      );
    }
    const dump = await webRtcServer.dump();
    const slot: PooledWorker = {
      index,
      worker,
      webRtcServer,
      udpPort: dump.udpSockets[0]?.port ?? 0,
      tcpPort: dump.tcpServers[0]?.port ?? 0,
      load,
    };
    worker.on('died', (error) => this.#onDied(slot, error));
    this.log.info({ workerIndex: index, pid: worker.pid, udpPort: slot.udpPort, tcpPort: slot.tcpPort }, 'media worker started');
    return slot;
  }

  #onDied(slot: PooledWorker, error: Error): void {
    this.log.error({ workerIndex: slot.index, pid: slot.worker.pid, err: error }, 'media worker died; replacing it');
    if (this.#closed) return;
    this.#start(slot.index).then(
      (replacement) => {
        if (this.#closed) {
          replacement.worker.close();
          return;
        }
        this.#slots[this.#slots.indexOf(slot)] = replacement;
        this.emit('workerReplaced', slot.index);
      },
      (startError: unknown) => {
        this.log.fatal({ workerIndex: slot.index, err: startError }, 'could not replace a dead media worker');
      },
    );
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * mediasoup closes each worker itself when the process gets SIGINT or
 * SIGTERM. Here the pool decides when its workers close: a media node told
 * to stop (SIGTERM) drains, and its workers must carry its rooms until they
 * have moved or ended; the process closes the pool when it is done. So the
 * listeners the worker added are taken off again.
 */
async function withoutSignalListeners<T>(create: () => Promise<T>): Promise<T> {
  const before = new Map(SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const created = await create();
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) if (!before.get(signal)?.has(listener)) process.removeListener(signal, listener);
  }
  return created;
}
