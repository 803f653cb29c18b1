import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppSocket } from './types.js';

/** The waiting room: participants knock, the host sees who waits and admits one or all. */
export function registerLobby(socket: AppSocket, deps: SocketDeps): void {
  const { log } = deps;
  const { admission, entry } = deps.live;
  const user = socket.data.user;
  // The sessions this connection is waiting for, to withdraw the knock when it goes.
  const knocks = new Map<string, string>();

  onRequest(socket, 'lobby:knock', log, async ({ sessionId }) => {
    const { admitted, hostId } = await admission.knock(user, sessionId);
    if (!admitted) knocks.set(sessionId, hostId);
    return { admitted };
  });

  onRequest(socket, 'lobby:watch', log, ({ sessionId }) => admission.waiting(user, sessionId));

  onRequest(socket, 'lobby:admit', log, async ({ sessionId, userId }) => {
    await entry.admit(user, sessionId, userId);
    return {};
  });

  onRequest(socket, 'lobby:admit-all', log, async ({ sessionId }) => ({ admitted: await entry.admitAll(user, sessionId) }));

  onRequest(socket, 'lobby:late', log, async ({ sessionId, minutes }) => {
    await admission.notifyLate(user, sessionId, minutes);
    return {};
  });

  socket.on('disconnect', () => {
    for (const [sessionId, hostId] of knocks) {
      admission.leaveLobby(user, sessionId, hostId).catch((error: unknown) =>
        log.warn({ err: error }, 'could not withdraw a lobby knock'),
      );
    }
  });
}
