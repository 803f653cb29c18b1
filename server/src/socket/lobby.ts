import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppSocket } from './types.js';

/** The waiting room: the client knocks, the counselor sees who waits and admits. */
export function registerLobby(socket: AppSocket, deps: SocketDeps): void {
  const { admission, log } = deps;
  const user = socket.data.user;
  // The appointments this connection is waiting for, to withdraw the knock when it goes.
  const knocks = new Map<string, string>();

  onRequest(socket, 'lobby:knock', log, async ({ appointmentId }) => {
    const { admitted, counselorId } = await admission.knock(user, appointmentId);
    if (!admitted) knocks.set(appointmentId, counselorId);
    return { admitted };
  });

  onRequest(socket, 'lobby:watch', log, ({ appointmentId }) => admission.waiting(user, appointmentId));

  onRequest(socket, 'lobby:admit', log, async ({ appointmentId, userId }) => {
    await admission.admit(user, appointmentId, userId);
    return {};
  });

  onRequest(socket, 'lobby:late', log, async ({ appointmentId, minutes }) => {
    await admission.notifyLate(user, appointmentId, minutes);
    return {};
  });

  socket.on('disconnect', () => {
    for (const [appointmentId, counselorId] of knocks) {
      admission.leaveLobby(user, appointmentId, counselorId).catch((error: unknown) =>
        log.warn({ err: error }, 'could not withdraw a lobby knock'),
      );
    }
  });
}
