import type { CurrentUser, SessionKind, SessionView } from '@care/shared';
import { isValidObjectId } from 'mongoose';
import type { CircleModels } from '../circles/circle-models.js';
import { seatPseudonym } from '../circles/circle-models.js';
import type { Database } from '../db/database.js';
import { LastKnown } from '../db/last-known.js';
import { AppError, isDatabaseUnavailable } from '../errors.js';
import type { AppointmentService, Participant } from './appointment-service.js';

/** How early before its start, and how late after its end, a session room opens. */
export const JOIN_WINDOW_BEFORE_MS = 15 * 60_000;
export const JOIN_WINDOW_AFTER_MS = 15 * 60_000;

/** How long someone the directory already let in waits for the database before what it said last time is used. */
const KNOWN_ACCESS_PATIENCE_MS = 1500;

/** The facilitator beside the members. */
const CIRCLE_HOSTS = 1;

/** What one person may do in one session, resolved on the server from the scheduling metadata. */
export interface SessionAccess {
  sessionId: string;
  kind: SessionKind;
  roomId: string;
  startsAt: Date;
  endsAt: Date;
  active: boolean;
  host: Participant;
  /** This person hosts it: the counselor of a 1:1, the facilitator of a circle. */
  isHost: boolean;
  /** The name this person has in the room: their own, or their seat's pseudonym. */
  nameInRoom: string;
  /** Members appear without account ids and under pseudonyms. */
  pseudonymous: boolean;
  /** Most people in the room at once, the host included. */
  maxPeers: number;
  other?: Participant;
  circle?: { topic: string; pseudonymous: boolean; capacity: number };
  /** The circle a meeting belongs to (not shown to anyone: the members' names in the room are looked up by it). */
  circleId?: string;
}

/**
 * A session is a 1:1 appointment or a circle meeting. Both are addressed by
 * one opaque id; this resolves it to the room and to what the asking person
 * is in it, and tells nobody else that it exists.
 */
export class SessionDirectory {
  readonly #lastKnown = new LastKnown<SessionAccess>(KNOWN_ACCESS_PATIENCE_MS);
  /** Names in the room of people waiting, by session and account, as last read (in memory: Redis holds no name). */
  readonly #names = new LastKnown<string>(KNOWN_ACCESS_PATIENCE_MS);

  constructor(
    private readonly db: Database,
    private readonly appointments: AppointmentService,
    private readonly circles: CircleModels,
  ) {}

  /**
   * The session and the person's place in it, from the database; while the
   * database cannot be reached, what it said last time (people already in a
   * session keep it).
   */
  async resolve(sessionId: string, user: Pick<CurrentUser, 'id' | 'displayName'>): Promise<SessionAccess> {
    if (!isValidObjectId(sessionId)) throw new AppError('not_found', 'No such session.');
    // Kept until the room closes: people already in a session can rejoin it (the lobby and floor in Redis are checked as usual).
    return this.#lastKnown.freshOr(`${sessionId}:${user.id}`, this.#resolve(sessionId, user), (access) => access.endsAt.getTime() + JOIN_WINDOW_AFTER_MS);
  }

  async #resolve(sessionId: string, user: Pick<CurrentUser, 'id' | 'displayName'>): Promise<SessionAccess> {
    const meeting = await this.circles.meetings.findById(sessionId);
    if (!meeting) return this.#appointment(sessionId, user);
    const circle = await this.circles.circles.findById(meeting.circleId);
    if (!circle) throw new AppError('not_found', 'No such session.');
    const facilitatorId = circle.facilitatorId.toString();
    const isHost = facilitatorId === user.id;
    let nameInRoom = user.displayName;
    if (!isHost) {
      const seat = await this.circles.seats.findOne({ circleId: circle._id, userId: user.id });
      if (!seat) throw new AppError('not_found', 'No such session.');
      if (circle.pseudonymous) nameInRoom = seatPseudonym(seat.seatNo);
    }
    const facilitator = await this.db.users.findById(facilitatorId).select({ displayName: 1 });
    return {
      sessionId,
      kind: 'circle',
      roomId: meeting.roomId,
      startsAt: meeting.startsAt,
      endsAt: meeting.endsAt,
      active: meeting.status === 'scheduled' && circle.status === 'active',
      host: { id: facilitatorId, displayName: facilitator?.displayName ?? '—' },
      isHost,
      nameInRoom,
      pseudonymous: circle.pseudonymous,
      maxPeers: circle.capacity + CIRCLE_HOSTS,
      circle: { topic: circle.topic, pseudonymous: circle.pseudonymous, capacity: circle.capacity },
      circleId: circle._id.toString(),
    };
  }

  /**
   * The name `userId` has in the host's session, for the host's lobby: the
   * client of a 1:1, or a member of a circle under their seat's pseudonym
   * (or their own name where the circle uses names). Looked up when shown,
   * so that the lobby in Redis keeps account ids only; while the database is
   * down, the name last read on this node, else "—".
   */
  async nameInRoom(host: SessionAccess, userId: string): Promise<string> {
    if (host.other?.id === userId) return host.other.displayName;
    const until = (name: string) => (name ? host.endsAt.getTime() + JOIN_WINDOW_AFTER_MS : 0);
    try {
      return await this.#names.freshOr(`${host.sessionId}:${userId}`, this.#memberName(host, userId), until);
    } catch (error) {
      if (isDatabaseUnavailable(error)) return '—';
      throw error;
    }
  }

  /** Keeps what a person is called in a session, from their own resolve (their knock), for the host's lobby on this node. */
  rememberName(access: SessionAccess, userId: string): void {
    this.#names.remember(`${access.sessionId}:${userId}`, access.nameInRoom, access.endsAt.getTime() + JOIN_WINDOW_AFTER_MS);
  }

  async #memberName(host: SessionAccess, userId: string): Promise<string> {
    if (!host.circleId || !isValidObjectId(userId)) return '—';
    if (host.pseudonymous) {
      const seat = await this.circles.seats.findOne({ circleId: host.circleId, userId }).select({ seatNo: 1 }).lean();
      return seat ? seatPseudonym(seat.seatNo) : '—';
    }
    return (await this.db.users.findById(userId).select({ displayName: 1 }).lean())?.displayName ?? '—';
  }

  /** Sessions open shortly before their start and close shortly after their end. */
  assertJoinable(access: SessionAccess, now = new Date()): void {
    if (!access.active) throw new AppError('forbidden', 'This session is no longer active.');
    if (now.getTime() < access.startsAt.getTime() - JOIN_WINDOW_BEFORE_MS) {
      throw new AppError('forbidden', 'This session has not opened yet.');
    }
    if (now.getTime() > access.endsAt.getTime() + JOIN_WINDOW_AFTER_MS) {
      throw new AppError('forbidden', 'This session has ended.');
    }
  }

  view(access: SessionAccess, user: Pick<CurrentUser, 'role'>): SessionView {
    return {
      id: access.sessionId,
      kind: access.kind,
      startsAt: access.startsAt.toISOString(),
      endsAt: access.endsAt.toISOString(),
      host: access.host,
      me: { displayName: access.nameInRoom, role: user.role, host: access.isHost },
      ...(access.other ? { other: access.other } : {}),
      ...(access.circle ? { circle: access.circle } : {}),
    };
  }

  async #appointment(sessionId: string, user: Pick<CurrentUser, 'id' | 'displayName'>): Promise<SessionAccess> {
    const { appointment, counselor, client } = await this.appointments.getForParticipant(sessionId, user);
    const isHost = counselor.id === user.id;
    return {
      sessionId,
      kind: 'one-to-one',
      roomId: appointment.roomId,
      startsAt: appointment.startsAt,
      endsAt: appointment.endsAt,
      active: appointment.status === 'booked',
      host: counselor,
      isHost,
      nameInRoom: user.displayName,
      pseudonymous: false,
      maxPeers: 2,
      other: isHost ? client : counselor,
    };
  }
}
