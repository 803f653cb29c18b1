import type { CurrentUser, RoomJoined, SendingState } from '@care/shared';
import type { AttendanceRecorder } from '../reporting/attendance-recorder.js';
import type { Admission } from './admission.js';
import type { LiveRooms } from './live-rooms.js';
import type { MlsDelivery } from './mls/mls-delivery.js';
import type { RoomModeration } from './room-moderation.js';

/**
 * The way into a live room, in its order: admitted first (the server checks
 * the lobby, never the page), then a seat in the room, the first join
 * counted for the report, and what the newcomer needs to take part: the
 * floor as it stands and its place in the MLS group.
 */
export class RoomEntry {
  constructor(
    private readonly admission: Admission,
    private readonly rooms: LiveRooms,
    private readonly moderation: RoomModeration,
    private readonly mls: MlsDelivery,
    private readonly attendance: Pick<AttendanceRecorder, 'joined' | 'joinedCircleMeeting'>,
  ) {}

  async enter(connectionId: string, user: CurrentUser, sessionId: string, sending: SendingState | undefined): Promise<RoomJoined> {
    const access = await this.admission.authorizeRoom(user, sessionId);
    const joined = await this.rooms.join(connectionId, access, user, sending);
    // Only admitted participants reach here; an admin never does (authorizeRoom).
    if (user.role !== 'admin') {
      if (access.kind === 'one-to-one') await this.attendance.joined(sessionId, user.role);
      else await this.attendance.joinedCircleMeeting(sessionId, user.id, user.role, access.startsAt);
    }
    return { ...joined, floor: await this.moderation.peerJoined(connectionId), mls: await this.mls.joinInfo(access.roomId, connectionId) };
  }
}
