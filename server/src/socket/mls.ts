import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppSocket } from './types.js';

/** The MLS delivery service over Socket.IO: framing checked, commits ordered, bytes forwarded. */
export function registerMls(socket: AppSocket, deps: SocketDeps): void {
  const { log } = deps;
  const { mls } = deps.live;

  onRequest(socket, 'mls:publish-key-package', log, (published) => mls.publishKeyPackage(socket.id, published));

  onRequest(socket, 'mls:commit', log, (commit) => mls.submitCommit(socket.id, commit));

  onRequest(socket, 'mls:message', log, ({ epoch, message, to }) => mls.relayApplicationMessage(socket.id, epoch, message, to));
}
