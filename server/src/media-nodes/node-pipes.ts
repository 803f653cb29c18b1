import { MediaError, type FarHost, type HostPipeReceiver, type HostPipeSender, type LocalRoomMedia, type MediaErrorCode, type ProducerSource } from '@care/media';
import type { ControlOperation, PipeCall } from '@care/shared';
import type { types as ms } from 'mediasoup';
import type { Logger } from 'pino';
import type { SignalLink } from './control-server.js';
import { RepipeBackoff } from './repipe-backoff.js';

/** A pipe call the far node (through the signal node) has not answered in this time fails. */
const PIPE_CALL_TIMEOUT_MS = 10_000;

const MEDIA_ERROR_CODES: ReadonlySet<string> = new Set<MediaErrorCode>(['not_found', 'invalid_state', 'cannot_consume', 'port_in_use', 'unavailable', 'limit_reached', 'pipe_refused']);

interface PendingCall {
  readonly link: SignalLink;
  resolve(result: unknown): void;
  reject(error: Error): void;
  readonly timer: NodeJS.Timeout;
}

type PipeReply = Extract<ControlOperation, { op: 'pipeReply' }>;
type FarProducerCall = Extract<ControlOperation, { op: 'farProducer' }>;

/**
 * A media node's pipes to and from the other media nodes of its rooms (a
 * room spanning media nodes, issue 14). The media nodes never talk to each
 * other directly: every pipe message goes through the signal node that
 * drives the room, over each node's control channel, and the signal node
 * checks it belongs to that room. As host B (consumers here, producer
 * there) this node asks for a pipe with a `pipeCall` event on the first
 * consumer that needs a far producer (HostPipeReceiver.carry) and waits for
 * the signal node's `pipeReply`; as host A it opens its end on `pipeOpen`,
 * joins it on `pipeConnect`, and mirrors the producer's pause, resume and
 * close with `pipeMirror` events. A pipe is known by the signal link that
 * asked for it: another link cannot join, close or mirror it. A pipe whose
 * stats say it died is opened again for the consumers it had, after a pause
 * that grows while it keeps dying (repipe-backoff.ts).
 */
export class NodePipes {
  /** Ends this node opened for far nodes, by pipe id. */
  readonly #outbound = new Map<string, { link: SignalLink; farNodeId: string }>();
  /** Pipes from far nodes this node opened, by pipe id: the link that carried their opening. */
  readonly #inbound = new Map<string, SignalLink>();
  /** Far producers this node's rooms were told of, by producer id. */
  readonly #farProducers = new Map<string, { link: SignalLink; farNodeId: string; roomId: string }>();
  readonly #calls = new Map<number, PendingCall>();
  #nextCall = 1;
  /** A pipe found dead is opened again after a pause that grows while it keeps dying (a link still down). */
  readonly #backoff = new RepipeBackoff();

  constructor(
    private readonly nodeId: string,
    private readonly sender: HostPipeSender,
    private readonly receiver: HostPipeReceiver,
    private readonly roomOf: (roomId: string) => LocalRoomMedia | undefined,
    private readonly log: Logger,
  ) {
    sender.on('mirror', (message, farNodeId) => {
      const out = this.#outbound.get(message.pipeId);
      if (!out || out.farNodeId !== farNodeId) return;
      if (message.event === 'close' || message.event === 'dead') this.#outbound.delete(message.pipeId);
      out.link.push({ type: 'event', event: 'pipeMirror', farNodeId, message: { ...message } });
    });
    receiver.on('dead', (dead) => {
      this.#inbound.delete(dead.pipeId);
      const far = this.#farProducers.get(dead.producerId);
      if (far?.farNodeId !== dead.farHost) return;
      const pause = this.#backoff.next(dead.producerId, Date.now());
      this.log.info({ producerId: dead.producerId, farNodeId: dead.farHost, pauseMs: pause }, 'a pipe from a far node died; opening it again after a pause');
      setTimeout(() => {
        if (this.#farProducers.get(dead.producerId) !== far) return;
        void this.roomOf(far.roomId)?.room.consumeFarAgain(dead.producerId);
      }, pause).unref();
    });
  }

  /** Pipes open here now, each way. */
  get size(): { outbound: number; inbound: number } {
    return { outbound: this.sender.size, inbound: this.receiver.size };
  }

  /** A far node's producer is announced to a room here: its peers consume it through a pipe opened on first need. */
  farProducer(link: SignalLink, media: LocalRoomMedia, call: FarProducerCall): void {
    if (call.farNodeId === this.nodeId) throw new MediaError('invalid_state', 'a far producer on this very node');
    if (this.#farProducers.has(call.producerId)) throw new MediaError('invalid_state', 'that far producer is known here already');
    const far = this.#farHost(link, call.roomId, call.farNodeId);
    const { producerId } = call;
    media.room.addFarProducer({
      peerId: call.peerId,
      producerId,
      kind: call.kind,
      source: call.source as ProducerSource,
      carry: (router) => this.receiver.carry(router, producerId, far),
    });
    const entry = { link, farNodeId: call.farNodeId, roomId: call.roomId };
    this.#farProducers.set(producerId, entry);
    media.room.once('closed', () => {
      if (this.#farProducers.get(producerId) === entry) this.#farProducers.delete(producerId);
    });
  }

  /** The far producer is gone from the room. */
  farProducerClosed(media: LocalRoomMedia, producerId: string): void {
    const far = this.#farProducers.get(producerId);
    if (far?.roomId !== media.id) return;
    this.#farProducers.delete(producerId);
    this.#backoff.forget(producerId);
    media.room.removeFarProducer(producerId);
  }

  /** A far node is gone: every pipe with it closes, and its producers leave the rooms here. */
  farNodeLost(farNodeId: string): void {
    for (const [producerId, far] of [...this.#farProducers]) {
      if (far.farNodeId !== farNodeId) continue;
      this.#farProducers.delete(producerId);
      this.#backoff.forget(producerId);
      this.roomOf(far.roomId)?.room.removeFarProducer(producerId);
    }
    this.sender.closeFarHost(farNodeId);
    this.receiver.closeFarHost(farNodeId);
  }

  /** Host A: a far node asks for a pipe end for one of this room's producers. */
  async open(link: SignalLink, media: LocalRoomMedia, peerId: string, producer: ms.Producer, farNodeId: string, request: unknown): Promise<object> {
    if (farNodeId === this.nodeId) throw new MediaError('pipe_refused', 'a pipe to this very node');
    const router = media.room.mediaRouterOf(peerId);
    if (!router) throw new MediaError('not_found', 'no such producer in this room');
    const offer = await this.sender.open(router, producer, request, farNodeId);
    this.#outbound.set(offer.pipeId, { link, farNodeId });
    return offer;
  }

  /** Host A: the far node's end of a pipe this link asked for. */
  async connect(link: SignalLink, farNodeId: string, answer: Record<string, unknown>): Promise<void> {
    this.#ownOutbound(link, farNodeId, answer.pipeId);
    await this.sender.connect(answer, farNodeId);
  }

  /** Host A: the far node no longer needs the pipe. */
  close(link: SignalLink, farNodeId: string, message: Record<string, unknown>): void {
    this.#ownOutbound(link, farNodeId, message.pipeId);
    this.sender.close(message, farNodeId);
  }

  /** Host B: the far producer paused, resumed or closed, or its end died. */
  async mirror(link: SignalLink, farNodeId: string, message: Record<string, unknown>): Promise<void> {
    const pipeId = typeof message.pipeId === 'string' ? message.pipeId : '';
    // Only a pipe opened through this link; anything else is stale or foreign, and ignored.
    if (this.#inbound.get(pipeId) !== link) return;
    await this.receiver.mirror(message, farNodeId);
  }

  /** Host B: the signal node's answer to one of this node's pipe calls. */
  reply(link: SignalLink, { callId, ok, result, error }: PipeReply): void {
    const pending = this.#calls.get(callId);
    if (pending?.link !== link) return;
    this.#calls.delete(callId);
    clearTimeout(pending.timer);
    if (ok) pending.resolve(result ?? {});
    else pending.reject(new MediaError(error && MEDIA_ERROR_CODES.has(error.code) ? (error.code as MediaErrorCode) : 'pipe_refused', error?.message ?? 'the far media node refused'));
  }

  /** The signal link is gone: its calls fail, the pipe ends it asked this node for close, its far producers leave. */
  linkClosed(link: SignalLink): void {
    for (const [callId, pending] of [...this.#calls]) {
      if (pending.link !== link) continue;
      this.#calls.delete(callId);
      clearTimeout(pending.timer);
      pending.reject(new MediaError('unavailable', 'the signal node is gone'));
    }
    for (const [pipeId, out] of [...this.#outbound]) {
      if (out.link === link) this.sender.close({ pipeId }, out.farNodeId);
    }
    for (const [producerId, far] of [...this.#farProducers]) {
      if (far.link !== link) continue;
      this.#farProducers.delete(producerId);
      this.#backoff.forget(producerId);
      this.roomOf(far.roomId)?.room.removeFarProducer(producerId);
    }
    for (const [pipeId, owner] of [...this.#inbound]) if (owner === link) this.#inbound.delete(pipeId);
  }

  #ownOutbound(link: SignalLink, farNodeId: string, pipeId: unknown): void {
    const out = typeof pipeId === 'string' ? this.#outbound.get(pipeId) : undefined;
    if (!out || out.link !== link || out.farNodeId !== farNodeId) throw new MediaError('not_found', 'no such pipe');
  }

  /** The far node as this node's receiver reaches it: each call is a `pipeCall` event on the link, answered by `pipeReply`. */
  #farHost(link: SignalLink, roomId: string, farNodeId: string): FarHost {
    return {
      id: farNodeId,
      open: async (request) => {
        // Known before the call goes: the far node mirrors from the moment it answers, and the signal node may
        // pass a mirror on before the answer itself (the answer waits on a promise there, a mirror does not).
        // The receiver keeps what is mirrored while the pipe opens (HostPipeReceiver); dropped here, a resume
        // left the pipe's producer paused for good.
        this.#inbound.set(request.pipeId, link);
        let offer: unknown;
        try {
          offer = await this.#call(link, roomId, farNodeId, { op: 'open', request: { ...request } });
        } catch (error) {
          if (this.#inbound.get(request.pipeId) === link) this.#inbound.delete(request.pipeId);
          throw error;
        }
        // An offer for another pipe is refused by the receiver, which then closes this one (close, below).
        return offer;
      },
      connect: async (answer) => {
        await this.#call(link, roomId, farNodeId, { op: 'connect', answer: { ...answer } });
      },
      close: (message) => {
        this.#inbound.delete(message.pipeId);
        this.#call(link, roomId, farNodeId, { op: 'close', message: { ...message } }).catch((error: unknown) =>
          this.log.debug({ err: error, pipeId: message.pipeId }, 'far node not told a pipe closed'),
        );
      },
    };
  }

  #call(link: SignalLink, roomId: string, farNodeId: string, call: PipeCall): Promise<unknown> {
    const callId = this.#nextCall++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#calls.delete(callId);
        reject(new MediaError('unavailable', 'the far media node did not answer in time'));
      }, PIPE_CALL_TIMEOUT_MS);
      timer.unref();
      this.#calls.set(callId, { link, resolve, reject, timer });
      link.push({ type: 'event', event: 'pipeCall', roomId, callId, farNodeId, call });
    });
  }
}
