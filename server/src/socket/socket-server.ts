import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { MLS_MAX_HANDSHAKE } from '@care/shared';
import { Server } from 'socket.io';
import { readSessionToken } from '../auth/session-cookie.js';
import { AppError } from '../errors.js';
import { broadcastPublisher } from './broadcast-publisher.js';
import { capConnectionsPerUser } from './connection-cap.js';
import type { OriginPolicy } from '../http/same-origin.js';
import type { SocketDeps } from './deps.js';
import { registerLobby } from './lobby.js';
import { registerMls } from './mls.js';
import { followHosting, registerPresence } from './presence.js';
import { limitRequests, rejectUnknownEvents } from './request-handler.js';
import { registerRoom } from './room.js';
import { sessionRoom, userRoom } from './session-sockets.js';
import { watchSession } from './session-watch.js';
import type { AppServer } from './types.js';

/**
 * The largest packet a client may send, bytes. Binary attachments travel as
 * packets of their own (a WebSocket frame each; base64 text, a third larger,
 * over long-polling), so the largest binary the schemas allow, an MLS commit
 * or Welcome (MLS_MAX_HANDSHAKE), must fit once base64-encoded, with room for
 * framing. Derived, so the transport and the schema cannot disagree: a larger
 * message is not refused with a typed error, it ends the connection.
 */
export const MAX_SOCKET_PACKET_BYTES = Math.ceil((MLS_MAX_HANDSHAKE * 4) / 3) + 4096;

/** Where Socket.IO answers (WebSocket and long-polling alike); nothing else may answer there. */
export const SOCKET_IO_PATH = '/socket.io/';

export function createSocketServer(
  httpServer: HttpServer,
  redis: Redis,
  origins: OriginPolicy,
  log: Logger,
  /** Whether this node takes connections now (a node fenced from its Redis primary does not: redis/primary-fence.ts). */
  serving: () => boolean = () => true,
): { io: AppServer; closeAdapter: () => Promise<void> } {
  const io: AppServer = new Server(httpServer, {
    path: SOCKET_IO_PATH,
    serveClient: false,
    // Same origin only: the web app is served by this server.
    cors: { origin: false },
    // A WebSocket is not held to CORS, and a page of the same site on another
    // origin (another port, a sibling subdomain) sends our SameSite=Strict
    // cookie with it: the handshake itself must refuse a foreign Origin.
    allowRequest: (req, callback) => {
      // Refused at the handshake, a page tries again (through the balancer, to a node that serves).
      if (!serving()) return callback('unavailable: this node is out of service for a moment', false);
      const verdict = origins.verdict(req.headers);
      callback(verdict.allowed ? null : `forbidden: cross-site connections are not allowed (${verdict.reason})`, verdict.allowed);
    },
    maxHttpBufferSize: MAX_SOCKET_PACKET_BYTES,
  });
  // Broadcasts between nodes go through Redis pub/sub: in transit only, never
  // kept. (A Redis stream, @socket.io/redis-streams-adapter, would survive a
  // failover more gracefully, but it keeps every broadcast in Redis for a
  // while, lobby knocks with names and circle pseudonyms included, and a copy
  // of Redis must not say who waits for whom: tests/hostile/names-in-redis.)
  // The publishing connection waits for Redis (broadcast-publisher.ts).
  // Socket.IO's connection state recovery is deliberately off: it writes the
  // missed packets of the old rooms to a returning client before the
  // middleware has checked that its sign-in still holds (socket.io 4.8
  // Socket constructor); clients ask again for what they missed instead.
  const publisher = broadcastPublisher(redis, log);
  const subscriber = redis.duplicate({ connectionName: 'care-socket-subscribe' });
  // Their failures are the main connection's too, and logged there.
  for (const client of [publisher, subscriber]) client.on('error', () => undefined);
  io.adapter(createAdapter(publisher, subscriber));
  return {
    io,
    // After io.close: the adapter unsubscribes as it closes, so its connections end with QUIT (replies first), not a cut.
    closeAdapter: async () => {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}

/** Authenticates each connection with the session cookie, then wires the features. */
export function registerSocketFeatures(io: AppServer, deps: SocketDeps): void {
  io.use((socket, next) => {
    const token = readSessionToken(socket.handshake.headers.cookie);
    deps.auth
      .session(token)
      .then(async (session) => {
        if (!session) return next(new Error('unauthenticated'));
        const user = await deps.auth.currentUser(session);
        // Until a required second factor is set up, only the enrolment page works.
        if (user.totpEnrolmentRequired) return next(new Error('totp_enrolment_required'));
        socket.data.user = user;
        socket.data.session = { sid: session.sid, ref: session.ref };
        next();
      })
      .catch((error: unknown) => {
        if (error instanceof AppError) return next(new Error(error.code));
        deps.log.warn({ err: error }, 'socket authentication failed');
        next(new Error('unavailable'));
      });
  });

  capConnectionsPerUser(io, {
    presence: deps.presence,
    maxPerUser: deps.maxConnectionsPerUser,
    refusals: deps.rateLimited,
    log: deps.log,
  });

  followHosting(deps);

  io.on('connection', (socket) => {
    const log = deps.log.child({ connectionId: socket.id, userId: socket.data.user.id });
    const scoped: SocketDeps = { ...deps, log };
    // Both rooms first, then the sign-in's watch (whose first look catches a sign-out that raced the handshake).
    void socket.join([userRoom(socket.data.user.id), sessionRoom(socket.data.session.sid)]);
    watchSession(socket, deps.auth, log);
    limitRequests(socket, deps.limits.forConnection(socket.id, socket.data.user.id, log));
    rejectUnknownEvents(socket, log);
    registerPresence(socket, scoped);
    registerLobby(socket, scoped);
    registerRoom(socket, scoped);
    registerMls(socket, scoped);
    log.debug('connected');
    // A page that closed or was told to go is routine; a connection lost (no pong, the transport gone) is worth a line.
    socket.on('disconnect', (reason) => {
      if (reason === 'client namespace disconnect' || reason === 'server namespace disconnect' || reason === 'server shutting down') log.debug({ reason }, 'disconnected');
      else log.info({ reason }, 'connection lost');
    });
  });
}
