import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { watchPipe } from './host-pipe-health.js';
import { parsePipeMessage, pipeMirrorSchema, pipeOfferSchema, type DeadPipe, type PipeAnswer, type PipeClose, type PipeRequest } from './host-pipe-messages.js';
import { endpointOf, PipePeerRange, pipeListenInfo, type HostPipeSettings } from './host-pipe-settings.js';
import { MediaError } from './media-error.js';
import { PipeLedger } from './pipe-ledger.js';

/**
 * The far media host as the control channel reaches it: each call sends one
 * message to that host's HostPipeSender and gives back its answer.
 */
export interface FarHost {
  /** The far host's id, as the control channel knows it. */
  readonly id: string;
  /** `PipeRequest` → its `HostPipeSender.open`; the answer is its `PipeOffer`, unchecked (checked here). */
  open(request: PipeRequest): Promise<unknown>;
  /** `PipeAnswer` → its `HostPipeSender.connect`. */
  connect(answer: PipeAnswer): Promise<void>;
  /** `PipeClose` → its `HostPipeSender.close`; nothing comes back. */
  close(message: PipeClose): void;
}

/** A producer carried here from a far host, held until `release` is called (once). */
export interface CarriedProducer {
  readonly producer: types.Producer;
  readonly pipeId: string;
  release(): void;
}

interface InboundPipe {
  readonly key: string;
  readonly pipeId: string;
  readonly far: FarHost;
  readonly transport: types.PipeTransport;
  readonly producer: types.Producer;
  stopWatch: () => void;
  close(): void;
}

/** A pipe's mirror messages heard before its producer here exists: the last pause or resume, and whether it went. */
interface MirroredWhileOpening {
  readonly far: FarHost;
  paused?: boolean;
  gone?: 'close' | 'dead';
}

interface HostPipeReceiverEvents {
  /** A pipe's link died and it closed; its consumers here closed with it. Re-pipe with `repipe`. */
  dead: [DeadPipe];
}

/**
 * Host B's side of pipes between media hosts: a far host's producer made
 * available on a router here, opened on first need (the first consumer
 * here), one pipe per (far producer, router), closed when its last holder
 * lets go (pipe-ledger.ts). Opening asks the far host for its end, checks
 * what comes back (schema, private address range, port range), opens this
 * end (SRTP and RTX on), joins the two and produces the far producer here
 * under its own id. Mirror messages from the far host pause, resume and
 * close the pipe producer. Each pipe is watched through its producer's
 * stats: once bytes have crossed, while it is not paused they must move, or the link is dead,
 * the pipe closes (with its consumers here) and `dead` reports it.
 */
export class HostPipeReceiver extends EventEmitter<HostPipeReceiverEvents> {
  readonly #ledger = new PipeLedger();
  readonly #byKey = new Map<string, InboundPipe>();
  readonly #byId = new Map<string, InboundPipe>();
  /**
   * Pipes being opened, by pipe id: what the far host mirrored meanwhile. Its
   * end mirrors from the moment it answers the request, while this end still
   * connects and produces; a resume heard then and dropped would leave the
   * producer here paused for good (a camera switched on as its pipe opened).
   */
  readonly #opening = new Map<string, MirroredWhileOpening>();
  readonly #range: PipePeerRange;

  constructor(
    private readonly settings: HostPipeSettings,
    private readonly log: Logger,
  ) {
    super();
    this.#range = new PipePeerRange(settings);
  }

  /** Pipes open (or opening) now. */
  get size(): number {
    return this.#ledger.size;
  }

  /** The far host's producer on `router`, piped here if it is not yet; hold it for as long as a consumer here needs it. */
  async carry(router: types.Router, producerId: string, far: FarHost): Promise<CarriedProducer> {
    const key = `${far.id}/${producerId}>${router.id}`;
    const release = await this.#ledger.acquire(key, () => this.#open(key, router, producerId, far));
    const pipe = this.#byKey.get(key);
    if (!pipe) {
      release();
      throw new MediaError('unavailable', 'the pipe closed while it opened');
    }
    return { producer: pipe.producer, pipeId: pipe.pipeId, release };
  }

  /**
   * Re-pipes after `dead`: a new pipe for the same far producer on `router`,
   * held by the answer until the room has consumed it again for everyone who
   * had it (then release). A link still down fails here or is reported dead again.
   */
  repipe(router: types.Router, dead: DeadPipe, far: FarHost): Promise<CarriedProducer> {
    if (far.id !== dead.farHost) throw new MediaError('invalid_state', 're-pipe through another far host');
    return this.carry(router, dead.producerId, far);
  }

  /** A far host's `PipeMirror` (only that host's own pipes are touched). */
  async mirror(raw: unknown, farHost: string): Promise<void> {
    const { pipeId, event } = parsePipeMessage(pipeMirrorSchema, raw, 'pipe mirror');
    const pipe = this.#byId.get(pipeId);
    if (!pipe) {
      const opening = this.#opening.get(pipeId);
      if (opening?.far.id !== farHost) return;
      if (event === 'pause' || event === 'resume') opening.paused = event === 'pause';
      else opening.gone ??= event;
      return;
    }
    if (pipe.far.id !== farHost) return;
    switch (event) {
      case 'pause':
        await pipe.producer.pause();
        return;
      case 'resume':
        await pipe.producer.resume();
        return;
      case 'close':
        this.#drop(pipe);
        return;
      case 'dead':
        this.#onDead(pipe);
        return;
      default: {
        const never: never = event;
        throw new MediaError('pipe_refused', `unknown pipe event ${String(never)}`);
      }
    }
  }

  /** Every pipe from this far host (it went away): their producers here close. */
  closeFarHost(farHost: string): void {
    for (const pipe of [...this.#byKey.values()]) if (pipe.far.id === farHost) this.#drop(pipe);
  }

  close(): void {
    for (const pipe of [...this.#byKey.values()]) this.#drop(pipe);
  }

  /** Closes this pipe now, holders or not; a newer pipe under the same key is left alone. */
  #drop(pipe: InboundPipe): void {
    if (this.#byKey.get(pipe.key) === pipe) this.#ledger.drop(pipe.key);
    else pipe.close();
  }

  async #open(key: string, router: types.Router, producerId: string, far: FarHost): Promise<InboundPipe> {
    const pipeId = randomUUID();
    const heard: MirroredWhileOpening = { far };
    this.#opening.set(pipeId, heard);
    try {
      return await this.#openHearing(key, router, producerId, far, pipeId, heard);
    } finally {
      this.#opening.delete(pipeId);
    }
  }

  async #openHearing(
    key: string,
    router: types.Router,
    producerId: string,
    far: FarHost,
    pipeId: string,
    heard: MirroredWhileOpening,
  ): Promise<InboundPipe> {
    const refuse = (why: string) => {
      this.#tellClosed(far, pipeId);
      return new MediaError('pipe_refused', why);
    };
    const raw = await far.open({ pipeId, producerId });
    const parsed = pipeOfferSchema.safeParse(raw);
    // The far end may be open already: it is told to close whatever is wrong with its offer.
    if (!parsed.success) throw refuse(`pipe offer refused: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const offer = parsed.data;
    if (offer.pipeId !== pipeId || offer.producerId !== producerId) throw refuse('pipe offer for another pipe');
    if (!this.#range.allows(offer.endpoint.ip, offer.endpoint.port)) throw refuse('pipe offer outside the private pipe range');
    let transport: types.PipeTransport | undefined;
    let producer: types.Producer;
    try {
      transport = await router.createPipeTransport({ listenInfo: pipeListenInfo(this.settings), enableSrtp: true, enableRtx: true, enableSctp: false });
      await transport.connect({ ip: offer.endpoint.ip, port: offer.endpoint.port, srtpParameters: offer.endpoint.srtpParameters });
      producer = await transport.produce({
        id: producerId,
        kind: offer.kind,
        // Checked by the schema; mediasoup checks the rest (an unknown codec is refused there, caught here).
        rtpParameters: offer.rtpParameters as types.RtpParameters,
        paused: offer.paused,
        appData: { ...offer.appData, farHost: far.id, pipeId },
      });
      await far.connect({ pipeId, endpoint: endpointOf(transport, this.settings) });
      // What the far end mirrored while this end opened: its last word on pausing stands; a pipe it closed meanwhile is not one.
      // (Each await may let another mirror in: until nothing is left to apply.)
      for (;;) {
        if (heard.gone) throw new MediaError('unavailable', `the far end of the pipe went while it opened (${heard.gone})`);
        if (heard.paused === undefined || heard.paused === producer.paused) break;
        await (heard.paused ? producer.pause() : producer.resume());
      }
    } catch (error) {
      // Both ends go, whichever step failed (an orphaned far end would wait for its connect timeout otherwise).
      transport?.close();
      this.#tellClosed(far, pipeId);
      throw error instanceof MediaError ? error : new MediaError('pipe_refused', `pipe could not be opened: ${error instanceof Error ? error.message : String(error)}`);
    }
    const opened = transport;
    let closed = false;
    const pipe: InboundPipe = {
      key,
      pipeId,
      far,
      transport: opened,
      producer,
      stopWatch: () => undefined,
      close: () => {
        if (closed) return;
        closed = true;
        pipe.stopWatch();
        if (this.#byKey.get(key) === pipe) this.#byKey.delete(key);
        this.#byId.delete(pipeId);
        opened.close();
        this.#tellClosed(far, pipeId);
        this.log.debug({ pipeId, farHost: far.id }, 'pipe from a far host closed');
      },
    };
    this.#byKey.set(key, pipe);
    this.#byId.set(pipeId, pipe);
    // The router closing (the room's media here ended) closes the transport: forget the pipe.
    opened.observer.once('close', () => this.#drop(pipe));
    // Bytes are expected only once some have crossed: a sender that is not
    // paused may still send nothing for a while (a page whose end-to-end keys
    // are not there yet sends no frames), and a link dead from the start is
    // found by the far end, which expects reports back while it sends.
    let crossedOnce = false;
    pipe.stopWatch = watchPipe(
      async () => {
        const stats = await producer.getStats();
        const crossed = stats.reduce((sum, stat) => sum + stat.byteCount, 0);
        crossedOnce ||= crossed > 0;
        return { at: Date.now(), expecting: crossedOnce && !producer.paused, crossed };
      },
      this.settings,
      () => this.#onDead(pipe),
    );
    this.log.debug({ pipeId, producerId, farHost: far.id }, 'pipe from a far host opened');
    return pipe;
  }

  /** Tells the far host to close its end; the channel failing here must not stop this end closing. */
  #tellClosed(far: FarHost, pipeId: string): void {
    try {
      far.close({ pipeId });
    } catch (error) {
      this.log.warn({ pipeId, farHost: far.id, err: error }, 'could not tell the far host a pipe closed');
    }
  }

  #onDead(pipe: InboundPipe): void {
    if (this.#byId.get(pipe.pipeId) !== pipe) return;
    this.log.warn({ pipeId: pipe.pipeId, farHost: pipe.far.id }, 'pipe from a far host is dead (no bytes while unpaused); closing it');
    this.#drop(pipe);
    this.emit('dead', { pipeId: pipe.pipeId, producerId: pipe.producer.id, farHost: pipe.far.id });
  }
}
