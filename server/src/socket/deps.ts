import type { Logger } from 'pino';
import type { AuthService } from '../auth/auth-service.js';
import type { LiveSession } from '../live/live-session.js';
import type { RateLimitedCounter } from '../metrics.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { AppointmentService } from '../sessions/appointment-service.js';
import type { RequestLimiter } from './request-limiter.js';
import type { RoomNoticeStream } from './room-notice-stream.js';

export interface SocketDeps {
  auth: AuthService;
  appointments: AppointmentService;
  presence: PresenceService;
  /** Pushes to a room's connections on every node, kept through a Redis failover. */
  notices: Pick<RoomNoticeStream, 'emit'>;
  /** The live session: lobby, rooms, media, floor, MLS delivery. */
  live: LiveSession;
  /** The budgets every request is counted against (request-budgets.ts). */
  limits: RequestLimiter;
  /** Socket.IO connections one person may hold across every node. */
  maxConnectionsPerUser: number;
  /** Every `rate_limited` answer, counted by family for /metrics. */
  rateLimited: RateLimitedCounter;
  log: Logger;
}
