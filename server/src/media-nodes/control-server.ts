import { randomUUID } from 'node:crypto';
import { createServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { MEDIA_CONTROL_MAX_FRAME_BYTES, SignalToMediaFrame, type ControlEvent, type ControlReply, type ControlRequest } from '@care/shared';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { freshNonce, proofMatches } from './control-proof.js';
import { CONTROL_TLS_MIN_VERSION, type ControlTlsServer } from './control-tls.js';
import { SilenceWatch, type Liveness } from './silence-watch.js';

/** How long a new connection has to prove it holds the secret. */
const HELLO_TIMEOUT_MS = 5000;
/**
 * A signal node whose host vanished closes nothing: each connection is pinged
 * (WebSocket ping) this often, and cut off once nothing at all (a pong, a
 * request, the signal node's own pings) has come from it for
 * SIGNAL_SILENCE_LIMIT_MS, so its peers leave (MediaNodeRooms.linkClosed).
 */
const LIVENESS_EVERY_MS = 5000;
/**
 * Cutting a signal node off takes the media of everyone it seats here, so the
 * limit is long: a signal node held up for a few seconds (a loaded host, a
 * long collection) is slow, not gone, and a vanished one only keeps its
 * rooms' resources a little longer. Its own liveness rule for media nodes
 * (control-channel.ts) is the quick one, since failover waits on it.
 */
export const SIGNAL_SILENCE_LIMIT_MS = 15_000;

/** Close codes the control server uses (4000-4999 are the application's). */
export const CONTROL_CLOSE = {
  unauthenticated: 4401,
  malformed: 4400,
  shuttingDown: 4503,
} as const;

/** One authenticated signal node, as the media node's rooms see it. */
export interface SignalLink {
  /** A fresh opaque id per connection. */
  readonly id: string;
  push(event: ControlEvent): void;
}

/** What the control server hands each authenticated request and connection end to. */
export interface ControlHandler {
  handle(link: SignalLink, request: ControlRequest): Promise<ControlReply>;
  linkClosed(link: SignalLink): void;
}

/**
 * The media node's control port: one WebSocket per signal node. A
 * connection gets a fresh challenge and must answer it with the shared
 * secret's HMAC within 5 s (control-proof.ts), or it is closed and nothing it
 * sent is looked at. After that every frame must be a request of the
 * control schema (shared/src/protocol/media-control.ts) no larger than
 * MEDIA_CONTROL_MAX_FRAME_BYTES; anything else closes the connection.
 */
export class ControlServer {
  /** Each connection, pinged and cut off when silent (pongs, requests and its own pings all count). */
  readonly #links: SilenceWatch<WebSocket>;

  private constructor(
    private readonly wss: WebSocketServer,
    private readonly log: Logger,
    liveness: Liveness,
    /** The TLS server under the WebSocket server, when the port speaks wss://. */
    private readonly https?: HttpsServer,
  ) {
    this.#links = new SilenceWatch<WebSocket>(
      liveness,
      (socket) => socket.ping(),
      (socket, silentMs) => {
        this.log.warn({ silentMs }, 'control connection silent; cut off');
        socket.terminate();
      },
    );
  }

  static async start(options: { host: string; port: number; secret: string; nodeId: string; handler: ControlHandler; log: Logger; tls?: ControlTlsServer | undefined; liveness?: Liveness }): Promise<ControlServer> {
    const frames = { maxPayload: MEDIA_CONTROL_MAX_FRAME_BYTES, perMessageDeflate: false };
    let wss: WebSocketServer;
    let https: HttpsServer | undefined;
    if (options.tls) {
      https = createServer({ cert: options.tls.cert, key: options.tls.key, minVersion: CONTROL_TLS_MIN_VERSION });
      wss = new WebSocketServer({ server: https, ...frames });
      const listening = https;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.port, options.host, resolve);
      });
    } else {
      wss = new WebSocketServer({ host: options.host, port: options.port, ...frames });
      await new Promise<void>((resolve, reject) => {
        wss.once('listening', resolve);
        wss.once('error', reject);
      });
    }
    const server = new ControlServer(wss, options.log, options.liveness ?? { everyMs: LIVENESS_EVERY_MS, silenceMs: SIGNAL_SILENCE_LIMIT_MS }, https);
    wss.on('connection', (socket) => server.#accept(socket, options));
    return server;
  }

  get port(): number {
    return ((this.https ?? this.wss).address() as AddressInfo).port;
  }

  /** Whether the port speaks wss:// (a certificate and key were given). */
  get tls(): boolean {
    return this.https !== undefined;
  }

  #accept(socket: WebSocket, { secret, nodeId, handler }: { secret: string; nodeId: string; handler: ControlHandler }): void {
    this.#links.watch(socket);
    socket.on('pong', () => this.#links.heard(socket));
    const nonce = freshNonce();
    let link: SignalLink | undefined;
    const refuse = (code: number, why: string) => {
      this.log.warn({ why }, 'control connection refused');
      socket.close(code, why);
      // A peer that does not close its side is cut off.
      setTimeout(() => socket.terminate(), 1000).unref();
    };
    const helloTimer = setTimeout(() => refuse(CONTROL_CLOSE.unauthenticated, 'no hello'), HELLO_TIMEOUT_MS);
    socket.on('error', (error) => this.log.warn({ err: error }, 'control connection error'));
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.#links.forget(socket);
      if (link) handler.linkClosed(link);
    });
    socket.on('message', (data, isBinary) => {
      if (socket.readyState !== socket.OPEN) return;
      this.#links.heard(socket);
      let frame: SignalToMediaFrame;
      try {
        if (isBinary) throw new Error('binary frame');
        frame = SignalToMediaFrame.parse(JSON.parse(String(data)));
      } catch {
        return refuse(link ? CONTROL_CLOSE.malformed : CONTROL_CLOSE.unauthenticated, 'malformed frame');
      }
      if (!link) {
        if (frame.type !== 'hello' || !proofMatches(secret, nonce, frame.proof)) return refuse(CONTROL_CLOSE.unauthenticated, 'bad hello');
        clearTimeout(helloTimer);
        const id = randomUUID();
        link = { id, push: (event) => socket.readyState === socket.OPEN && socket.send(JSON.stringify(event)) };
        socket.send(JSON.stringify({ type: 'welcome', nodeId }));
        this.log.info({ linkId: id }, 'signal node connected');
        return;
      }
      if (frame.type !== 'request') return refuse(CONTROL_CLOSE.malformed, 'second hello');
      const from = link;
      void handler.handle(from, frame).then((reply) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(reply));
      });
    });
    socket.send(JSON.stringify({ type: 'challenge', nonce }));
  }

  async close(): Promise<void> {
    this.#links.close();
    const sockets = [...this.#links.peers()];
    for (const socket of sockets) socket.close(CONTROL_CLOSE.shuttingDown, 'shutting down');
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    for (const socket of sockets) socket.terminate();
    const https = this.https;
    if (https) await new Promise<void>((resolve) => https.close(() => resolve()));
  }
}
