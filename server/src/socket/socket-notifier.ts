import type { Notifier } from '../notifier.js';
import { userRoom } from './session-sockets.js';
import type { AppServer } from './types.js';

/** The `Notifier` through Socket.IO rooms: a connection's own room, or every connection of a person on any node (Redis adapter). */
export function socketNotifier(io: AppServer): Notifier {
  return {
    toConnection: (connectionId, event, payload) => {
      // The Notifier's signature ties each event to its payload; Socket.IO's emit cannot follow a generic event name.
      (io.to(connectionId).emit as (e: string, p: unknown) => boolean)(event, payload);
    },
    toUser: (userId, event, payload) => {
      (io.to(userRoom(userId)).emit as (e: string, p: unknown) => boolean)(event, payload);
    },
  };
}
