import { PRESENCE_HEARTBEAT_MS } from '../presence/presence-service.js';
import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppServer, AppSocket } from './types.js';

const channel = (userId: string) => `presence:${userId}`;

/** Online/offline for the people one has appointments with, pushed as it changes. */
export function registerPresence(io: AppServer, socket: AppSocket, deps: SocketDeps): void {
  const { presence, appointments, log } = deps;
  const user = socket.data.user;

  // The connection was counted in when it was let in (connection-cap.ts).
  if (socket.data.cameOnline) io.to(channel(user.id)).emit('presence:update', { userId: user.id, online: true });
  const heartbeat = setInterval(() => {
    presence.heartbeat(user.id, socket.id).catch((error: unknown) => log.warn({ err: error }, 'presence heartbeat failed'));
  }, PRESENCE_HEARTBEAT_MS);

  socket.on('disconnect', () => {
    clearInterval(heartbeat);
    presence.disconnect(user.id, socket.id).then(
      (wentOffline) => {
        if (wentOffline) io.to(channel(user.id)).emit('presence:update', { userId: user.id, online: false });
      },
      (error: unknown) => log.warn({ err: error }, 'presence disconnect failed'),
    );
  });

  onRequest(socket, 'presence:subscribe', log, async ({ userIds }) => {
    const allowed = await appointments.counterparts(user.id, userIds);
    await socket.join(allowed.map(channel));
    return Promise.all(allowed.map(async (userId) => ({ userId, online: await presence.isOnline(userId) })));
  });
}
