import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppSocket } from './types.js';

/** The MLS delivery service over Socket.IO: opaque bytes in, ordered and forwarded. */
export function registerMls(socket: AppSocket, deps: SocketDeps): void {
  const { mls, log } = deps;

  onRequest(socket, 'mls:publish-key-package', log, async ({ keyPackage }) => {
    mls.publishKeyPackage(socket.id, keyPackage);
    return {};
  });

  onRequest(socket, 'mls:commit', log, (commit) => mls.submitCommit(socket.id, commit));

  onRequest(socket, 'mls:message', log, ({ epoch, message }) => mls.relayApplicationMessage(socket.id, epoch, message));
}
