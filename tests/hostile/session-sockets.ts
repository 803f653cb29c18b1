import type { SessionEndReason } from '@care/shared';
import { ask, type TestSocket } from '../support/test-platform.js';

/** How a live connection ended: what the server said, and Socket.IO's reason for the disconnect. */
export interface Ending {
  reason: SessionEndReason | undefined;
  disconnect: string;
}

/** Resolves when the server ends this connection (its notice, then the disconnect); rejects after `timeoutMs`. */
export function endingOf(socket: TestSocket, timeoutMs = 20_000): Promise<Ending> {
  return new Promise((resolve, reject) => {
    let reason: SessionEndReason | undefined;
    const timer = setTimeout(() => reject(new Error(`connection ${socket.id ?? ''} still open after ${timeoutMs} ms`)), timeoutMs);
    socket.on('session:ended', (notice) => {
      reason = notice.reason;
    });
    socket.once('disconnect', (why) => {
      clearTimeout(timer);
      resolve({ reason, disconnect: why });
    });
  });
}

/** A request any connection may make (presence of nobody it shares a session with): proves the connection still works. */
export async function stillServed(socket: TestSocket): Promise<boolean> {
  if (!socket.connected) return false;
  const answer = (await ask(socket, 'presence:subscribe', { userIds: ['0'.repeat(24)] }).catch(() => undefined)) as { ok?: boolean } | undefined;
  return answer?.ok === true;
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
