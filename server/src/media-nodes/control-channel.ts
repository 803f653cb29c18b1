import { EventEmitter } from 'node:events';
import { MediaError } from '@care/media';
import { MEDIA_CONTROL_MAX_FRAME_BYTES, MediaToSignalFrame, type ControlEvent, type ControlOperation } from '@care/shared';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { controlProof } from './control-proof.js';
import { CONTROL_TLS_MIN_VERSION, type ControlTlsClient } from './control-tls.js';
import { SilenceWatch } from './silence-watch.js';

/** A request not answered in this time fails (the media node is busy or gone). */
const REQUEST_TIMEOUT_MS = 10_000;
/** How often the channel pings the media node. */
const PING_EVERY_MS = 500;
/**
 * How long the media node may be silent (no answer, no event) before it
 * counts as gone: a dead node is noticed 2–2.5 s after its last answer, and
 * a live one may take up to about 2 s over one answer.
 */
export const SILENCE_LIMIT_MS = 2000;
/** How long connecting and authenticating may take. */
const CONNECT_TIMEOUT_MS = 3000;

interface ControlChannelEvents {
  event: [ControlEvent];
  /** The channel is gone (closed, refused, or stopped answering); every room on it is lost. */
  lost: [];
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A signal node's one control connection to one media node
 * (media-control.ts): it answers the media node's challenge with the shared
 * secret, then sends requests with ids and waits for their replies, and
 * hands on the events pushed back. A connection that closes, sends
 * something off-schema, or stays silent too long is lost, once.
 */
export class ControlChannel extends EventEmitter<ControlChannelEvents> {
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #lost = false;
  /** Pings the media node and loses the channel when nothing comes back (any frame counts). */
  #liveness: SilenceWatch<ControlChannel> | undefined;

  private constructor(
    private readonly socket: WebSocket,
    readonly nodeId: string,
    private readonly log: Logger,
  ) {
    super();
  }

  /**
   * With `tls`, the media node must be at a wss:// address with a certificate that chains to its CA: a plain ws://
   * address (a forged or stale registry entry) is refused before anything is sent.
   */
  static connect(url: string, secret: string, signalId: string, log: Logger, tls?: ControlTlsClient): Promise<ControlChannel> {
    if (tls && !url.startsWith('wss://')) {
      log.warn('media node refused: a plain ws:// control address while TLS is required');
      return Promise.reject(new MediaError('unavailable', 'The session media is not reachable right now; please try again in a moment.'));
    }
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        maxPayload: MEDIA_CONTROL_MAX_FRAME_BYTES,
        perMessageDeflate: false,
        handshakeTimeout: CONNECT_TIMEOUT_MS,
        ...(tls ? { ca: tls.ca, minVersion: CONTROL_TLS_MIN_VERSION } : {}),
      });
      let channel: ControlChannel | undefined;
      let failed = false;
      const fail = (why: string) => {
        clearTimeout(timer);
        if (failed) return;
        failed = true;
        socket.terminate();
        log.warn({ why }, 'media node unreachable');
        reject(new MediaError('unavailable', 'The session media is not reachable right now; please try again in a moment.'));
      };
      const timer = setTimeout(() => fail('no welcome in time'), CONNECT_TIMEOUT_MS);
      // The error's code only: its message names the node's address, which neither a log nor a client is told.
      socket.on('error', (error: NodeJS.ErrnoException) => {
        if (channel) channel.#lose(`socket error ${error.code ?? ''}`);
        else fail(`socket error ${error.code ?? ''}`);
      });
      socket.on('close', () => {
        if (channel) channel.#lose('closed');
        else fail('closed before welcome');
      });
      socket.on('message', (data) => {
        let frame: MediaToSignalFrame;
        try {
          frame = MediaToSignalFrame.parse(JSON.parse(String(data)));
        } catch {
          if (channel) return channel.#lose('malformed frame');
          return fail('malformed frame');
        }
        if (channel) return channel.#receive(frame);
        if (frame.type === 'challenge') {
          socket.send(JSON.stringify({ type: 'hello', signalId, proof: controlProof(secret, frame.nonce) }));
        } else if (frame.type === 'welcome') {
          clearTimeout(timer);
          channel = new ControlChannel(socket, frame.nodeId, log.child({ mediaNodeId: frame.nodeId }));
          channel.#startPinging();
          resolve(channel);
        } else {
          fail('unexpected frame before welcome');
        }
      });
    });
  }

  get lost(): boolean {
    return this.#lost;
  }

  /** Sends one operation and waits for its result; a media error comes back as the same MediaError. */
  request(call: ControlOperation, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
    if (this.#lost) return Promise.reject(new MediaError('unavailable', 'the media node is gone'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new MediaError('unavailable', 'the media node did not answer in time'));
      }, timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
      this.socket.send(JSON.stringify({ type: 'request', id, call }));
    });
  }

  close(): void {
    this.#lose('closed here');
  }

  #receive(frame: MediaToSignalFrame): void {
    this.#liveness?.heard(this);
    switch (frame.type) {
      case 'reply': {
        const pending = this.#pending.get(frame.id);
        if (!pending) return;
        this.#pending.delete(frame.id);
        clearTimeout(pending.timer);
        if (frame.ok) pending.resolve(frame.result);
        else pending.reject(new MediaError(frame.error.code, frame.error.message));
        return;
      }
      case 'event':
        this.emit('event', frame);
        return;
      case 'challenge':
      case 'welcome':
        return this.#lose('unexpected handshake frame');
      default: {
        const unknown: never = frame;
        return this.#lose(`unknown frame ${String(unknown)}`);
      }
    }
  }

  #startPinging(): void {
    this.#liveness = new SilenceWatch<ControlChannel>(
      { everyMs: PING_EVERY_MS, silenceMs: SILENCE_LIMIT_MS },
      // Its answer counts when it comes; one never answered is forgotten at the request timeout.
      () => void this.request({ op: 'ping' }).catch(() => undefined),
      () => this.#lose('silent'),
    );
    this.#liveness.watch(this);
  }

  #lose(why: string): void {
    if (this.#lost) return;
    this.#lost = true;
    this.#liveness?.close();
    this.socket.terminate();
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new MediaError('unavailable', 'the media node is gone'));
    }
    this.#pending.clear();
    this.log.warn({ why }, 'media node control channel lost');
    this.emit('lost');
  }
}
