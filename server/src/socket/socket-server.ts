import type { Server as HttpServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { readSessionToken } from '../auth/session-cookie.js';
import { AppError } from '../errors.js';
import type { OriginPolicy } from '../http/same-origin.js';
import type { SocketDeps } from './deps.js';
import { registerLobby } from './lobby.js';
import { registerMls } from './mls.js';
import { registerPresence } from './presence.js';
import { rejectUnknownEvents } from './request-handler.js';
import { registerRoom } from './room.js';
import type { AppServer } from './types.js';

export function createSocketServer(httpServer: HttpServer, redis: Redis, origins: OriginPolicy): AppServer {
  const io: AppServer = new Server(httpServer, {
    path: '/socket.io',
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
    maxHttpBufferSize: 64 * 1024,
  });
  io.adapter(createAdapter(redis.duplicate(), redis.duplicate()));
  return io;
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
        next();
      })
      .catch((error: unknown) => {
        if (error instanceof AppError) return next(new Error(error.code));
        deps.log.warn({ err: error }, 'socket authentication failed');
        next(new Error('unavailable'));
      });
  });

  io.on('connection', (socket) => {
    const log = deps.log.child({ connectionId: socket.id, userId: socket.data.user.id });
    const scoped: SocketDeps = { ...deps, log };
    void socket.join(`user:${socket.data.user.id}`);
    rejectUnknownEvents(socket);
    registerPresence(io, socket, scoped);
    registerLobby(socket, scoped);
    registerRoom(socket, scoped);
    registerMls(socket, scoped);
    log.debug('connected');
    socket.on('disconnect', (reason) => log.debug({ reason }, 'disconnected'));
  });
}
