import type { CurrentUser, RoomJoined, RoomPrepared, SendingState } from '@care/shared';
import type { Logger } from 'pino';
import type { Notifier } from '../notifier.js';
import type { AttendanceRecorder } from '../reporting/attendance-recorder.js';
import type { SessionAccess } from '../sessions/session-directory.js';
import type { Admission } from './admission.js';
import type { LivePeer } from './live-peer.js';
import type { Entered, LiveRooms } from './live-rooms.js';
import type { MlsDelivery } from './mls/mls-delivery.js';
import type { RoomModeration } from './room-moderation.js';
import type { RoomServingNodes } from './room-serving-nodes.js';

/**
 * The way into a live room, in its order: admitted first (the server checks
 * the lobby, never the page), then a seat in the room, the first join
 * counted for the report, and what the newcomer needs to take part: the
 * floor as it stands and its place in the MLS group.
 *
 * A waiting person's page prepares in the lobby (`prepare`), so that being
 * let in costs little more than the MLS commit that adds them: when the host
 * admits, whoever waits prepared on this node enters at once (`room:entered`),
 * all together for "admit all", and the KeyPackages they published while they
 * waited go to the members in one message, for one commit. Anyone else
 * admitted (another node, a page that did not prepare) joins by itself when
 * told (`lobby:admitted`, then `room:join`).
 *
 * Everyone of a room is seated on one signal node (RoomServingNodes): a page
 * that reached another is refused with 'wrong_node' before anything is made
 * for it, and connects again.
 */
export class RoomEntry {
  constructor(
    private readonly admission: Admission,
    private readonly rooms: LiveRooms,
    private readonly moderation: RoomModeration,
    private readonly mls: MlsDelivery,
    private readonly serving: Pick<RoomServingNodes, 'claim'>,
    private readonly attendance: Pick<AttendanceRecorder, 'joined' | 'joinedCircleMeeting'>,
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {}

  /** In the lobby: the page gets ready to be let in, and nothing more (see LiveRooms.prepare). */
  async prepare(connectionId: string, user: CurrentUser, sessionId: string, sending: SendingState | undefined): Promise<RoomPrepared> {
    const access = await this.admission.authorizePreparation(user, sessionId);
    await this.serving.claim(access.roomId);
    return this.rooms.prepare(connectionId, access, user, sending);
  }

  /** `room:join`: an admitted person (or the host) enters, with the peer it prepared if it did. */
  async enter(connectionId: string, user: CurrentUser, sessionId: string, sending: SendingState | undefined): Promise<RoomJoined> {
    const access = await this.admission.authorizeRoom(user, sessionId);
    await this.serving.claim(access.roomId);
    const entered = await this.rooms.join(connectionId, access, user, sending);
    const peer = this.rooms.peerOf(connectionId);
    const joined = await this.#takePart(peer, entered);
    await this.mls.releaseHeld(peer.roomId, [{ peer, mls: joined.mls }]);
    await this.#countAttendance(peer, access);
    return joined;
  }

  /** The host admits one person waiting. */
  async admit(host: CurrentUser, sessionId: string, userId: string): Promise<void> {
    await this.admission.admit(host, sessionId, userId);
    try {
      await this.#letIn(sessionId, [userId]);
    } finally {
      this.admission.tellAdmitted(sessionId, [userId]);
    }
  }

  /** The host admits everyone waiting, together. Returns how many. */
  async admitAll(host: CurrentUser, sessionId: string): Promise<number> {
    const userIds = await this.admission.admitAll(host, sessionId);
    try {
      await this.#letIn(sessionId, userIds);
    } finally {
      this.admission.tellAdmitted(sessionId, userIds);
    }
    return userIds.length;
  }

  /**
   * Those just admitted whose pages wait prepared on this node enter now,
   * before they are told they were admitted: each is told `room:entered`
   * (what `room:join` would have answered), then the members get their held
   * KeyPackages in one message. One who cannot enter (the room full, their
   * page gone) is left to join by itself, and told why then.
   */
  async #letIn(sessionId: string, userIds: readonly string[]): Promise<void> {
    const waiting = this.rooms.waitingFor(sessionId, userIds);
    const admissible = await Promise.all(waiting.map(({ peer, access }) => this.admission.stillAdmissible(access, peer.user.id)));
    // Side by side: each one's reads (the floor, the group) wait on Redis, and one after another they held the
    // KeyPackages of all (handed on together below) by the sum of those waits, over half a second for eight
    // people let in on a busy node. Seating itself is one synchronous step each, so the room's limit still holds.
    const tried = await Promise.all(
      waiting.map(async ({ peer, access }, index) => {
        if (!admissible[index]) return undefined;
        try {
          const seated = await this.rooms.letIn(peer, access);
          if (!seated) return undefined;
          const joined = await this.#takePart(peer, seated);
          this.notifier.toConnection(peer.connectionId, 'room:entered', joined);
          return { peer, access, joined };
        } catch (error) {
          this.log.info({ roomId: peer.roomId, peerId: peer.peerId, err: error }, 'a prepared peer could not enter; it joins by itself');
          return undefined;
        }
      }),
    );
    const entered = tried.filter((one): one is { peer: LivePeer; access: SessionAccess; joined: RoomJoined } => one !== undefined);
    const [first] = entered;
    if (!first) return;
    try {
      await this.mls.releaseHeld(first.peer.roomId, entered.map(({ peer, joined }) => ({ peer, mls: joined.mls })));
    } catch (error) {
      // They publish again after a few seconds without a Welcome (E2eeSession), and are added then.
      this.log.warn({ roomId: first.peer.roomId, err: error }, 'could not hand on the KeyPackages of those let in');
    }
    // Counted after they are told: the report can wait, they should not.
    void Promise.all(
      entered.map(({ peer, access }) =>
        this.#countAttendance(peer, access).catch((error: unknown) => this.log.warn({ err: error }, 'could not count an attendance')),
      ),
    );
  }

  /** What the newcomer needs to take part: the floor as it stands and its place in the MLS group. */
  async #takePart(peer: LivePeer, entered: Entered): Promise<RoomJoined> {
    // Side by side: the group's read is on the way of the newcomer's keys, the floor's is not.
    const [floor, mls] = await Promise.all([this.moderation.peerJoined(peer.connectionId), this.mls.joinInfo(peer.roomId, peer.connectionId)]);
    return { ...entered, floor, mls };
  }

  /** The first join of each person, for the report. Only admitted participants reach here; an admin never does (authorizeRoom). */
  async #countAttendance(peer: LivePeer, access: SessionAccess): Promise<void> {
    if (peer.user.role === 'admin') return;
    if (access.kind === 'one-to-one') await this.attendance.joined(access.sessionId, peer.user.role);
    else await this.attendance.joinedCircleMeeting(access.sessionId, peer.user.id, peer.user.role, access.startsAt);
  }
}
