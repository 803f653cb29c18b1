import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Redis } from 'ioredis';
import { MLS_MAX_HANDSHAKE } from '@care/shared';
import { Server } from 'socket.io';
import { readSessionToken } from '../auth/session-cookie.js';
import { AppError } from '../errors.js';
import { capConnectionsPerUser } from './connection-cap.js';
import type { OriginPolicy } from '../http/same-origin.js';
import type { SocketDeps } from './deps.js';
import { registerLobby } from './lobby.js';
import { registerMls } from './mls.js';
import { followHosting, registerPresence } from './presence.js';
import { limitRequests, rejectUnknownEvents } from './request-handler.js';
import { registerRoom } from './room.js';
import { localFirstBroadcast } from './local-first-broadcast.js';
import { sealedStreamClient } from './sealed-stream-client.js';
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

/**
 * Entries the broadcast stream keeps (approximately: Redis trims in whole
 * blocks): enough for a node to read on after a failover of a few seconds at
 * a busy hour, few enough that Redis holds minutes, not days, of sealed
 * broadcasts.
 */
const STREAM_MAX_LENGTH = 2000;

/** Where Socket.IO answers (WebSocket and long-polling alike); nothing else may answer there. */
export const SOCKET_IO_PATH = '/socket.io/';

export function createSocketServer(
  httpServer: HttpServer,
  redis: Redis,
  origins: OriginPolicy,
  /** The deployment's shared node key (RATE_LIMIT_KEY): every node must seal the stream alike. */
  nodeKey: Buffer | undefined,
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
      const verdict = origins.verdict(req.headers);
      callback(verdict.allowed ? null : `forbidden: cross-site connections are not allowed (${verdict.reason})`, verdict.allowed);
    },
    maxHttpBufferSize: MAX_SOCKET_PACKET_BYTES,
  });
  // Broadcasts between nodes go through a Redis stream (the streams adapter):
  // each node reads on from where it was, so a broadcast made while Redis
  // fails over is late, not lost, where pub/sub drops what is published
  // before the other node has resubscribed. Every entry is sealed
  // (sealed-stream-client.ts): the stream keeps broadcasts for a while, lobby
  // knocks with names and circle pseudonyms among them, and a copy of Redis
  // must not say who waits for whom (tests/hostile/names-in-redis). The
  // adapter's commands wait for Redis through a failover (ten reconnections,
  // about 15 s) and then give up, so a long outage does not hold up this
  // node's own rooms, which get each broadcast at once (local-first-broadcast.ts).
  // Socket.IO's connection state recovery is deliberately off: it writes the
  // missed packets of the old rooms to a returning client before the
  // middleware has checked that its sign-in still holds (socket.io 4.8
  // Socket constructor); clients ask again for what they missed instead.
  const adapterClient = sealedStreamClient(redis.duplicate({ maxRetriesPerRequest: 10, connectionName: 'care-socket-stream' }), nodeKey);
  // Its failures are the main connection's too, and logged there.
  adapterClient.on('error', () => undefined);
  io.adapter(localFirstBroadcast(createAdapter(adapterClient, { streamName: 'care:socket.io', channelPrefix: 'care:socket.io', maxLen: STREAM_MAX_LENGTH }) as never));
  return {
    io,
    // After io.close: the adapter unsubscribes as it closes, so its connections end with QUIT (replies first), not a cut.
    closeAdapter: async () => {
      await adapterClient.quit().catch(() => undefined);
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

  followHosting(io, deps);

  io.on('connection', (socket) => {
    const log = deps.log.child({ connectionId: socket.id, userId: socket.data.user.id });
    const scoped: SocketDeps = { ...deps, log };
    // Both rooms first, then the sign-in's watch (whose first look catches a sign-out that raced the handshake).
    void socket.join([userRoom(socket.data.user.id), sessionRoom(socket.data.session.sid)]);
    watchSession(socket, deps.auth, log);
    limitRequests(socket, deps.limits.forConnection(socket.id, socket.data.user.id, log));
    rejectUnknownEvents(socket, log);
    registerPresence(io, socket, scoped);
    registerLobby(socket, scoped);
    registerRoom(socket, scoped);
    registerMls(socket, scoped);
    log.debug('connected');
    socket.on('disconnect', (reason) => log.debug({ reason }, 'disconnected'));
  });
}
