import type { SessionEndReason } from '@care/shared';

/**
 * Ends the live connections of sign-ins that just ended, on every server
 * node (the Socket.IO adapter carries it): each connection is told why, then
 * dropped. Ending the sign-in in Redis comes first, so a connection that
 * races in after this is refused at its handshake.
 */
export interface SessionEndings {
  endSessions(sids: readonly string[], reason: SessionEndReason): void;
  endUser(userId: string, reason: SessionEndReason): void;
}
