import type { SocketDeps } from './deps.js';
import { onRequest } from './request-handler.js';
import type { AppSocket } from './types.js';

export function registerChat(socket: AppSocket, deps: SocketDeps): void {
  onRequest(socket, 'chat:send', deps.log, (message) => deps.chat.send(socket.id, message));
}
