import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { watchPipe } from './host-pipe-health.js';
import { parsePipeMessage, pipeAnswerSchema, pipeCloseSchema, pipeRequestSchema, type DeadPipe, type PipeMirror, type PipeOffer } from './host-pipe-messages.js';
import { endpointOf, PipePeerRange, pipeListenInfo, type HostPipeSettings } from './host-pipe-settings.js';
import { MediaError } from './media-error.js';

/** What the sending end emits for the control channel to carry to the far host. */
interface HostPipeSenderEvents {
  /** Carry `message` to `farHost` (its HostPipeReceiver.mirror). */
  mirror: [message: PipeMirror, farHost: string];
  /** This end found the link dead and closed (the far host is told too, through `mirror`). */
  dead: [DeadPipe];
}

interface OutboundPipe {
  readonly farHost: string;
  readonly transport: types.PipeTransport;
  readonly consumer: types.Consumer;
  connected: boolean;
  stopWatch?: () => void;
}

/**
 * Ends a far host may have opened here and not yet joined. An honest host
 * joins each within a round trip; a flood of requests never joined would
 * otherwise hold a transport each until its connect timeout.
 */
export const MAX_UNJOINED_PER_FAR_HOST = 64;

/**
 * How long an audio pipe's far end may send nothing back before this end
 * calls the link dead: over two of its receiver-report intervals (mediasoup:
 * 5 s for audio, less 15%, randomized). The far end, which expects the
 * audio's own bytes, notices a cut sooner.
 */
export const AUDIO_REPORTS_DEAD_AFTER_MS = 12_000;

/** The ids a pipe may carry across: opaque ones only. */
function pipedAppData(appData: types.AppData): PipeOffer['appData'] {
  const out: PipeOffer['appData'] = {};
  for (const key of ['roomId', 'peerId', 'source'] as const) {
    const value = appData[key];
    if (typeof value === 'string') out[key] = value;
  }
  return out;
}

/**
 * Host A's side of pipes between media hosts: for each request from a far
 * host, a PipeTransport (SRTP and RTX on, on the private address and port
 * range) on the producer's router and a pipe consumer of the producer. The
 * producer's pause, resume and close are emitted as `mirror` messages; a
 * pipe is watched through its stats once joined, and one whose far end sends
 * nothing back while this end sends is closed and reported (`dead`). An end
 * the far host never joins is closed after `connectTimeoutMs`.
 */
export class HostPipeSender extends EventEmitter<HostPipeSenderEvents> {
  readonly #pipes = new Map<string, OutboundPipe>();
  /** Openings under way, by far host. */
  readonly #opening = new Map<string, number>();
  readonly #range: PipePeerRange;

  constructor(
    private readonly settings: HostPipeSettings,
    private readonly log: Logger,
  ) {
    super();
    this.#range = new PipePeerRange(settings);
  }

  /** Pipe ends open now. */
  get size(): number {
    return this.#pipes.size;
  }

  /**
   * Opens this end for a far host's request (`PipeRequest`); `producer` is
   * the one the request names, found by the caller on `router`. The answer is
   * the `PipeOffer` to send back.
   */
  async open(router: types.Router, producer: types.Producer, rawRequest: unknown, farHost: string): Promise<PipeOffer> {
    const request = parsePipeMessage(pipeRequestSchema, rawRequest, 'pipe request');
    if (request.producerId !== producer.id) throw new MediaError('pipe_refused', 'pipe request for another producer');
    if (this.#pipes.has(request.pipeId)) throw new MediaError('pipe_refused', 'pipe id already in use');
    // Counted with the openings still under way, so requests arriving together are bounded too.
    const opening = this.#opening.get(farHost) ?? 0;
    let unjoined = opening;
    for (const pipe of this.#pipes.values()) if (pipe.farHost === farHost && !pipe.connected) unjoined++;
    if (unjoined >= MAX_UNJOINED_PER_FAR_HOST) throw new MediaError('limit_reached', 'too many pipe ends waiting for this far host to join them');
    this.#opening.set(farHost, opening + 1);
    let transport: types.PipeTransport | undefined;
    let consumer: types.Consumer;
    try {
      transport = await router.createPipeTransport({ listenInfo: pipeListenInfo(this.settings), enableSrtp: true, enableRtx: true, enableSctp: false });
      consumer = await transport.consume({ producerId: producer.id });
    } catch (error) {
      transport?.close();
      throw error;
    } finally {
      const left = (this.#opening.get(farHost) ?? 1) - 1;
      if (left > 0) this.#opening.set(farHost, left);
      else this.#opening.delete(farHost);
    }
    const { pipeId } = request;
    // The same id asked for twice at once: the first keeps it.
    if (this.#pipes.has(pipeId)) {
      transport.close();
      throw new MediaError('pipe_refused', 'pipe id already in use');
    }
    const pipe: OutboundPipe = { farHost, transport, consumer, connected: false };
    this.#pipes.set(pipeId, pipe);
    consumer.observer.on('pause', () => this.emit('mirror', { pipeId, event: 'pause' }, farHost));
    consumer.observer.on('resume', () => this.emit('mirror', { pipeId, event: 'resume' }, farHost));
    // The producer closed (its consumer with it) or the transport went: either way the far end closes.
    transport.observer.once('close', () => this.#forget(pipeId, pipe, 'close'));
    consumer.observer.once('close', () => transport.close());
    setTimeout(() => {
      if (!pipe.connected && this.#pipes.get(pipeId) === pipe) {
        this.log.warn({ pipeId, farHost }, 'far host never joined the pipe; closing it');
        transport.close();
      }
    }, this.settings.connectTimeoutMs).unref();
    this.log.debug({ pipeId, producerId: producer.id, farHost }, 'pipe end opened for a far host');
    return {
      pipeId,
      producerId: producer.id,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters as PipeOffer['rtpParameters'],
      paused: consumer.producerPaused,
      appData: pipedAppData(producer.appData),
      endpoint: endpointOf(transport, this.settings),
    };
  }

  /** The far host's end (`PipeAnswer`): joins this end to it and starts watching the pipe. */
  async connect(rawAnswer: unknown, farHost: string): Promise<void> {
    const answer = parsePipeMessage(pipeAnswerSchema, rawAnswer, 'pipe answer');
    const pipe = this.#pipes.get(answer.pipeId);
    if (!pipe || pipe.farHost !== farHost) throw new MediaError('not_found', 'no such pipe');
    if (pipe.connected) throw new MediaError('pipe_refused', 'pipe already joined');
    const { ip, port, srtpParameters } = answer.endpoint;
    if (!this.#range.allows(ip, port)) throw new MediaError('pipe_refused', 'pipe answer outside the private pipe range');
    pipe.connected = true;
    try {
      await pipe.transport.connect({ ip, port, srtpParameters });
    } catch (error) {
      pipe.transport.close();
      throw new MediaError('pipe_refused', `pipe could not be joined: ${error instanceof Error ? error.message : String(error)}`);
    }
    let sent = 0;
    pipe.stopWatch = watchPipe(
      async () => {
        const [consumerStats, transportStats] = await Promise.all([pipe.consumer.getStats(), pipe.transport.getStats()]);
        const nowSent = consumerStats.reduce((sum, stat) => sum + (stat.type === 'outbound-rtp' ? stat.byteCount : 0), 0);
        const expecting = nowSent > sent;
        sent = nowSent;
        return { at: Date.now(), expecting, crossed: transportStats[0]?.bytesReceived ?? 0 };
      },
      // mediasoup sends an audio producer's receiver reports only about every 5 s (RTCP's
      // audio interval), so an audio pipe's far end is silent that long on a live link.
      { ...this.settings, deadAfterMs: pipe.consumer.kind === 'audio' ? Math.max(this.settings.deadAfterMs, AUDIO_REPORTS_DEAD_AFTER_MS) : this.settings.deadAfterMs },
      () => this.#onDead(answer.pipeId, pipe),
    );
  }

  /** The far host no longer needs the pipe (`PipeClose`). */
  close(rawClose: unknown, farHost: string): void {
    const { pipeId } = parsePipeMessage(pipeCloseSchema, rawClose, 'pipe close');
    const pipe = this.#pipes.get(pipeId);
    if (pipe?.farHost !== farHost) return;
    pipe.transport.close();
  }

  /** Every pipe to this far host (it went away, or the channel to it did). */
  closeFarHost(farHost: string): void {
    for (const pipe of [...this.#pipes.values()]) if (pipe.farHost === farHost) pipe.transport.close();
  }

  #onDead(pipeId: string, pipe: OutboundPipe): void {
    if (this.#pipes.get(pipeId) !== pipe) return;
    this.log.warn({ pipeId, farHost: pipe.farHost }, 'pipe to a far host is dead (nothing comes back); closing it');
    this.#forget(pipeId, pipe, 'dead');
    pipe.transport.close();
    this.emit('dead', { pipeId, producerId: pipe.consumer.producerId, farHost: pipe.farHost });
  }

  #forget(pipeId: string, pipe: OutboundPipe, event: 'close' | 'dead'): void {
    if (this.#pipes.get(pipeId) !== pipe) return;
    this.#pipes.delete(pipeId);
    pipe.stopWatch?.();
    this.emit('mirror', { pipeId, event }, pipe.farHost);
  }
}
