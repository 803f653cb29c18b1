import type { Logger } from 'pino';
import { RefusalLog } from '../limits/refusal-log.js';
import type { RateLimitedCounter } from '../metrics.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { AppServer } from './types.js';

/** What a connection over the cap is told (its `data`); the error's message is the code, as for every refused handshake. */
export const TOO_MANY_CONNECTIONS = {
  code: 'rate_limited',
  message: 'Too many CARE ASN windows are open for this account. Close one, then try again.',
} as const;

/**
 * At most `maxPerUser` Socket.IO connections per person, across every node:
 * each connection takes a place in the person's presence set in Redis as it
 * is let in (one atomic step, so connections opened together cannot pass the
 * cap together). A disconnect gives the place back; a node that dies leaves
 * places that lapse with their heartbeat (PRESENCE_TTL_MS). Runs after the
 * session check, as the last step of the handshake.
 */
export function capConnectionsPerUser(
  io: AppServer,
  { presence, maxPerUser, refusals, log }: { presence: PresenceService; maxPerUser: number; refusals: RateLimitedCounter; log: Logger },
): void {
  const refusalLog = new RefusalLog(log, 60_000);
  io.use((socket, next) => {
    const userId = socket.data.user.id;
    presence.connect(userId, socket.id, maxPerUser).then(
      (claim) => {
        if (claim === 'refused') {
          refusals.inc({ family: 'connections', scope: 'limit' });
          refusalLog.refused(userId, { userId, maxPerUser }, 'connection refused: too many for this person');
          const error = new Error(TOO_MANY_CONNECTIONS.code) as Error & { data?: unknown };
          error.data = TOO_MANY_CONNECTIONS;
          next(error);
          return;
        }
        socket.data.cameOnline = claim === 'came-online';
        next();
      },
      (error: unknown) => {
        log.warn({ err: error }, 'could not count a connection in');
        next(new Error('unavailable'));
      },
    );
  });
}
