import { EventEmitter } from 'node:events';
import type { CurrentUser, LobbyEntry } from '@care/shared';
import { AppError } from '../errors.js';
import type { Notifier } from '../notifier.js';
import type { SessionAccess, SessionDirectory } from '../sessions/session-directory.js';
import type { Lobby } from './lobby.js';
import type { SessionFloor } from './session-floor.js';

/** What admission tells the rest of the live session. */
export interface AdmissionEvents {
  /**
   * These people (undefined: everyone still waiting or prepared) may no
   * longer enter: the room was locked, the session ended, or they were removed.
   */
  turnedAway: [sessionId: string, userIds: readonly string[] | undefined];
}

/**
 * Who may enter which session room. The host (counselor or facilitator) opens
 * the room; everyone else waits in the lobby until the host admits them. Every
 * check is made here, on the server, so no URL skips the lobby, and nobody
 * removed from a session, or arriving after it was locked or ended, gets in.
 */
export class Admission extends EventEmitter<AdmissionEvents> {
  constructor(
    private readonly sessions: SessionDirectory,
    private readonly lobby: Lobby,
    private readonly floor: SessionFloor,
    private readonly notifier: Notifier,
  ) {
    super();
  }

  async knock(user: CurrentUser, sessionId: string): Promise<{ admitted: boolean; hostId: string }> {
    const access = await this.sessions.resolve(sessionId, user);
    if (access.isHost) throw new AppError('forbidden', 'The host does not wait in the lobby.');
    await this.#assertOpenTo(access, user);
    if (await this.lobby.isAdmitted(sessionId, user.id)) return { admitted: true, hostId: access.host.id };
    if (await this.floor.isLocked(sessionId)) {
      throw new AppError('room_locked', 'The facilitator has closed this session to newcomers for now.');
    }
    const { since } = await this.lobby.knock(sessionId, user.id);
    this.sessions.rememberName(access, user.id);
    this.notifier.toUser(access.host.id, 'lobby:knock', { sessionId, userId: user.id, displayName: access.nameInRoom, since });
    return { admitted: false, hostId: access.host.id };
  }

  /** Who waits, with the names the host may see (a pseudonym in a pseudonymous circle), looked up now: Redis holds none. */
  async waiting(user: CurrentUser, sessionId: string): Promise<LobbyEntry[]> {
    const host = await this.asHost(user, sessionId);
    const waiting = await this.lobby.waiting(sessionId);
    return Promise.all(
      waiting.map(async ({ userId, since }) => ({ sessionId, userId, displayName: await this.sessions.nameInRoom(host, userId), since })),
    );
  }

  /** The host admits one person (who is then told by `tellAdmitted`, after RoomEntry let in their prepared page). */
  async admit(user: CurrentUser, sessionId: string, userId: string): Promise<void> {
    await this.asHost(user, sessionId);
    const [waiting, already] = await Promise.all([this.lobby.waiting(sessionId), this.lobby.isAdmitted(sessionId, userId)]);
    if (!already && !waiting.some((e) => e.userId === userId)) {
      throw new AppError('not_found', 'That person is not waiting for this session.');
    }
    await this.lobby.admit(sessionId, userId);
  }

  /** The host admits everyone waiting; returns who they were (told by `tellAdmitted`). */
  async admitAll(user: CurrentUser, sessionId: string): Promise<string[]> {
    await this.asHost(user, sessionId);
    return this.lobby.admitAll(sessionId);
  }

  /** Tells the admitted, on every connection of theirs; a page not let in already then joins by itself. */
  tellAdmitted(sessionId: string, userIds: readonly string[]): void {
    for (const userId of userIds) this.notifier.toUser(userId, 'lobby:admitted', { sessionId });
  }

  /** The host tells the client of a 1:1, or whoever waits for a circle, that they will be a few minutes late. */
  async notifyLate(user: CurrentUser, sessionId: string, minutes: number): Promise<void> {
    const access = await this.asHost(user, sessionId);
    const told = access.other ? [access.other.id] : (await this.lobby.waiting(sessionId)).map((e) => e.userId);
    for (const userId of told) this.notifier.toUser(userId, 'lobby:late', { sessionId, minutes });
  }

  /** Someone stopped waiting (closed the page or lost the connection). */
  async leaveLobby(user: CurrentUser, sessionId: string, hostId: string): Promise<void> {
    if (await this.lobby.leave(sessionId, user.id)) {
      this.notifier.toUser(hostId, 'lobby:left', { sessionId, userId: user.id });
    }
  }

  /**
   * The session and the person's place in it, when their page may get ready
   * in the lobby: they are waiting there (or already admitted, or the host).
   * Preparing gives them nothing of the room (see LiveRooms.prepare).
   */
  async authorizePreparation(user: CurrentUser, sessionId: string): Promise<SessionAccess> {
    const access = await this.sessions.resolve(sessionId, user);
    await this.#assertOpenTo(access, user);
    if (access.isHost || (await this.lobby.isWaiting(sessionId, user.id)) || (await this.lobby.isAdmitted(sessionId, user.id))) return access;
    throw new AppError('not_admitted', 'Knock at the lobby first.');
  }

  /**
   * Whether someone prepared in the lobby may enter now, by what can have
   * changed since they prepared: admitted, not removed, the session not ended
   * and still open (as resolved when they prepared, moments or minutes ago).
   */
  async stillAdmissible(access: SessionAccess, userId: string): Promise<boolean> {
    try {
      await this.#assertOpenTo(access, { id: userId });
    } catch {
      return false;
    }
    return access.isHost || this.lobby.isAdmitted(access.sessionId, userId);
  }

  /** The session and the person's place in it, when they may enter the room now. */
  async authorizeRoom(user: CurrentUser, sessionId: string): Promise<SessionAccess> {
    const access = await this.sessions.resolve(sessionId, user);
    await this.#assertOpenTo(access, user);
    if (!access.isHost && !(await this.lobby.isAdmitted(sessionId, user.id))) {
      throw new AppError('not_admitted', 'Please wait in the lobby until your counselor lets you in.');
    }
    return access;
  }

  /** The session, if the user hosts it. */
  async asHost(user: CurrentUser, sessionId: string): Promise<SessionAccess> {
    const access = await this.sessions.resolve(sessionId, user);
    if (!access.isHost) throw new AppError('forbidden', 'Only the counselor can do this.');
    return access;
  }

  /** Locked: whoever still waits is told, and nobody new may knock. */
  async lockLobby(sessionId: string): Promise<void> {
    await this.floor.setLocked(sessionId, true);
    const refused = await this.lobby.clearWaiting(sessionId);
    this.emit('turnedAway', sessionId, refused);
    for (const userId of refused) this.notifier.toUser(userId, 'lobby:refused', { sessionId, reason: 'locked' });
  }

  /** A removed person loses their admission and cannot knock again for this session. */
  async bar(sessionId: string, userId: string): Promise<void> {
    await this.floor.remove(sessionId, userId);
    await this.lobby.revoke(sessionId, userId);
    this.emit('turnedAway', sessionId, [userId]);
  }

  async endSession(sessionId: string): Promise<void> {
    await this.floor.end(sessionId);
    const refused = await this.lobby.clearWaiting(sessionId);
    this.emit('turnedAway', sessionId, undefined);
    for (const userId of refused) this.notifier.toUser(userId, 'lobby:refused', { sessionId, reason: 'ended' });
  }

  async #assertOpenTo(access: SessionAccess, user: Pick<CurrentUser, 'id'>): Promise<void> {
    this.sessions.assertJoinable(access);
    if (await this.floor.isEnded(access.sessionId)) {
      throw new AppError('session_ended', 'The host has ended this session.');
    }
    if (!access.isHost && (await this.floor.isRemoved(access.sessionId, user.id))) {
      throw new AppError('removed', 'The facilitator has asked you to leave this session.');
    }
  }
}
