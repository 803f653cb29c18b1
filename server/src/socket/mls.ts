import type { SocketDeps } from './deps.js';
import { onLookupRequest, onRequest } from './request-handler.js';
import type { AppSocket } from './types.js';

/** The MLS delivery service over Socket.IO: framing checked, commits ordered, bytes forwarded. */
export function registerMls(socket: AppSocket, deps: SocketDeps): void {
  const { log } = deps;
  const { mls } = deps.live;

  onRequest(socket, 'mls:publish-key-package', log, (published) => mls.publishKeyPackage(socket.id, published));

  onRequest(socket, 'mls:commit', log, (commit) => mls.submitCommit(socket.id, commit));

  // The hot path: the group's epoch is read from Redis alongside the sender's budget, one round trip for both.
  onLookupRequest(
    socket,
    'mls:message',
    log,
    () => mls.roomEpoch(socket.id),
    ({ epoch, message, to }, read) => mls.relayApplicationMessage(socket.id, epoch, message, to, read),
  );
}
