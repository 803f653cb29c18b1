import type { SessionEndReason } from '@care/shared';
import type { SessionEndings } from '../auth/session-endings.js';
import type { RoomNoticeStream } from './room-notice-stream.js';

/** The room of one sign-in's live connections. */
export const sessionRoom = (sid: string) => `session:${sid}`;
export const userRoom = (userId: string) => `user:${userId}`;

/**
 * `SessionEndings` through Socket.IO rooms: the notice, then the disconnect,
 * on every node, through the sealed notice stream, so a sign-out or a
 * deactivation made while Redis fails over still closes the connections on
 * the other node (pub/sub would drop it, and they would live on to the
 * sign-in's own end).
 */
export class SessionSockets implements SessionEndings {
  constructor(private readonly notices: Pick<RoomNoticeStream, 'emit'>) {}

  endSessions(sids: readonly string[], reason: SessionEndReason): void {
    if (sids.length > 0) this.#end(sids.map(sessionRoom), reason);
  }

  endUser(userId: string, reason: SessionEndReason): void {
    this.#end([userRoom(userId)], reason);
  }

  #end(rooms: string[], reason: SessionEndReason): void {
    this.notices.emit(rooms, 'session:ended', { reason }, { disconnect: true });
  }
}
