import type { PresenceState } from '@care/shared';
import type { LivePeer } from '../live/live-peer.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppServer, AppSocket } from './types.js';

const channel = (userId: string) => `presence:${userId}`;

/** Online/offline for the people one has appointments with, pushed as it changes. */
export function registerPresence(socket: AppSocket, deps: SocketDeps): void {
  const { presence, appointments, notices, log } = deps;
  const user = socket.data.user;

  // The connection was counted in when it was let in (connection-cap.ts).
  if (socket.data.cameOnline) notices.emit(channel(user.id), 'presence:update', { userId: user.id, online: true, status: 'online' });
  const heartbeat = setInterval(() => {
    presence.heartbeat(user.id, socket.id).catch((error: unknown) => log.warn({ err: error }, 'presence heartbeat failed'));
  }, presence.heartbeatMs);

  socket.on('disconnect', () => {
    clearInterval(heartbeat);
    presence.disconnect(user.id, socket.id).then(
      (wentOffline) => {
        if (wentOffline) notices.emit(channel(user.id), 'presence:update', { userId: user.id, online: false, status: 'offline' });
      },
      (error: unknown) => log.warn({ err: error }, 'presence disconnect failed'),
    );
  });

  onRequest(socket, 'presence:subscribe', log, async ({ userIds }) => {
    const allowed = await appointments.counterparts(user.id, userIds);
    await socket.join(allowed.map(channel));
    return Promise.all(allowed.map((userId) => stateFor(presence, userId, user.id)));
  });
}

/**
 * A counselor's "in a session": each host's connection is marked while it is
 * in a room, and whoever follows their presence is told again, each as they
 * see it (the client of that very session still sees "online"). Only hosts:
 * that a client is in a session with another counselor is nobody's business.
 */
export function followHosting(io: AppServer, deps: Pick<SocketDeps, 'live' | 'presence' | 'log'>): void {
  const { live, presence, log } = deps;
  const hosts = (peer: LivePeer) => peer.host && peer.user.role === 'counselor';
  const tellFollowers = (userId: string) => {
    void (async () => {
      const followers = await io.in(channel(userId)).fetchSockets();
      const states = new Map<string, Promise<PresenceState>>();
      for (const follower of followers) {
        const viewerId = follower.data.user.id;
        if (!states.has(viewerId)) states.set(viewerId, stateFor(presence, userId, viewerId));
        follower.emit('presence:update', await (states.get(viewerId) as Promise<PresenceState>));
      }
    })().catch((error: unknown) => log.warn({ err: error }, 'could not push a host presence'));
  };
  // The Redis commands are issued as the events come (a rejoin's leave before its enter); the pushes follow each.
  live.rooms.on('peerJoined', (peer) => {
    if (!hosts(peer)) return;
    presence.startedHosting(peer.user.id, peer.connectionId, peer.otherId ? [peer.otherId] : []).then(
      () => tellFollowers(peer.user.id),
      (error: unknown) => log.warn({ err: error }, 'could not mark a host in session'),
    );
  });
  live.rooms.on('peerLeft', (peer) => {
    if (!hosts(peer)) return;
    presence.stoppedHosting(peer.user.id, peer.connectionId).then(
      () => tellFollowers(peer.user.id),
      (error: unknown) => log.warn({ err: error }, 'could not mark a host out of session'),
    );
  });
}

async function stateFor(presence: PresenceService, userId: string, viewerId: string): Promise<PresenceState> {
  const status = await presence.statusFor(userId, viewerId);
  return { userId, online: status !== 'offline', status };
}
