import type { Logger } from 'pino';
import type { AuthService } from '../auth/auth-service.js';
import type { RateLimitedCounter } from '../metrics.js';
import type { AttendanceRecorder } from '../reporting/attendance-recorder.js';
import type { AdmissionService } from '../services/admission-service.js';
import type { AppointmentService } from '../services/appointment-service.js';
import type { LiveRoomService } from '../services/live-room-service.js';
import type { MlsDeliveryService } from '../services/mls-delivery-service.js';
import type { PresenceService } from '../services/presence-service.js';
import type { RoomModerationService } from '../services/room-moderation-service.js';
import type { RequestLimiter } from './request-limiter.js';

export interface SocketDeps {
  auth: AuthService;
  appointments: AppointmentService;
  admission: AdmissionService;
  presence: PresenceService;
  rooms: LiveRoomService;
  moderation: RoomModerationService;
  mls: MlsDeliveryService;
  /** First joins per appointment and side, for no-show counts. */
  attendance: AttendanceRecorder;
  /** The budgets every request is counted against (request-budgets.ts). */
  limits: RequestLimiter;
  /** Socket.IO connections one person may hold across every node. */
  maxConnectionsPerUser: number;
  /** Every `rate_limited` answer, counted by family for /metrics. */
  rateLimited: RateLimitedCounter;
  log: Logger;
}
