import type { SessionEndReason } from '@care/shared';
import type { SessionEndings } from '../auth/session-endings.js';
import type { AppServer } from './types.js';

/** The room of one sign-in's live connections. */
export const sessionRoom = (sid: string) => `session:${sid}`;
export const userRoom = (userId: string) => `user:${userId}`;

/** `SessionEndings` through Socket.IO rooms: the notice and the disconnect go out in order over the adapter, to every node. */
export class SessionSockets implements SessionEndings {
  constructor(private readonly io: AppServer) {}

  endSessions(sids: readonly string[], reason: SessionEndReason): void {
    if (sids.length > 0) this.#end(sids.map(sessionRoom), reason);
  }

  endUser(userId: string, reason: SessionEndReason): void {
    this.#end([userRoom(userId)], reason);
  }

  #end(rooms: string[], reason: SessionEndReason): void {
    this.io.to(rooms).emit('session:ended', { reason });
    this.io.in(rooms).disconnectSockets(true);
  }
}
