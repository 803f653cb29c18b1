import type { PresenceState, PresenceStatus } from '@care/shared';
import type { LivePeer } from '../live/live-peer.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppSocket } from './types.js';

const channel = (userId: string) => `presence:${userId}`;
/** A follower's own room for one person's presence: where they hear it when they see it apart from everyone else. */
const viewerChannel = (userId: string, viewerId: string) => `presence:${userId}:for:${viewerId}`;

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
    await socket.join(allowed.flatMap((userId) => [channel(userId), viewerChannel(userId, user.id)]));
    return Promise.all(allowed.map((userId) => stateFor(presence, userId, user.id)));
  });
}

/**
 * A counselor's "in a session": each host's connection is marked while it is
 * in a room, and whoever follows their presence is told again, each as they
 * see it (the client of that very session still sees "online"). Only hosts:
 * that a client is in a session with another counselor is nobody's business.
 */
export function followHosting(deps: Pick<SocketDeps, 'live' | 'presence' | 'notices' | 'log'>): void {
  const { live, presence, notices, log } = deps;
  const hosts = (peer: LivePeer) => peer.host && peer.user.role === 'counselor';
  // Through the notice stream, like online and offline: a follower on another node is told late, not never, across a
  // Redis failover, and no node asks the others for their sockets. Those who see the host apart (the client of the
  // session) are left out of everyone's update and told their own.
  const tellFollowers = (userId: string) => {
    presence
      .views(userId)
      .then(({ everyone, own }) => {
        const state = (status: PresenceStatus): PresenceState => ({ userId, online: status !== 'offline', status });
        const apart = [...own.keys()].map((viewerId) => viewerChannel(userId, viewerId));
        notices.emit(channel(userId), 'presence:update', state(everyone), { except: apart });
        for (const [viewerId, status] of own) notices.emit(viewerChannel(userId, viewerId), 'presence:update', state(status));
      })
      .catch((error: unknown) => log.warn({ err: error }, 'could not push a host presence'));
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
