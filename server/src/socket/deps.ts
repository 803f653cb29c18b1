import type { Logger } from 'pino';
import type { AuthService } from '../auth/auth-service.js';
import type { AttendanceRecorder } from '../reporting/attendance-recorder.js';
import type { AdmissionService } from '../services/admission-service.js';
import type { AppointmentService } from '../services/appointment-service.js';
import type { LiveRoomService } from '../services/live-room-service.js';
import type { MlsDeliveryService } from '../services/mls-delivery-service.js';
import type { PresenceService } from '../services/presence-service.js';
import type { RoomModerationService } from '../services/room-moderation-service.js';

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
  log: Logger;
}
