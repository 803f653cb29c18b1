import type { LobbyEntry, PresenceStatus, ServerEventPayload } from '@care/shared';
import { ApiError } from '../../api/api-error.js';
import type { ServerLink } from '../../socket/socket-client.js';
import type { Announce } from './announce.js';

/** Why the lobby sent a participant away: the room was locked, they were removed, or the session ended. */
export type LobbyRefusal = ServerEventPayload<'lobby:refused'>['reason'];

export interface SessionLobbyDeps {
  link: ServerLink;
  /** The session this page is for (known once the page starts). */
  sessionId: () => string;
  /** 1:1: the other person, whose presence a waiting client sees. */
  other: () => { id: string } | undefined;
  announce: Announce;
  /** A host's request the server refused. */
  onError: (error: unknown) => void;
}

/**
 * The lobby of one session, from both sides. A participant knocks and
 * waits — told when the host runs late, locks the room or ends it, and
 * (1:1) whether the counselor is online; the host sees who waits, lets them
 * in, and says when they run late.
 */
export class SessionLobby {
  /** Host: who waits, in the order they came. */
  queue = $state<LobbyEntry[]>([]);
  /** Participant: why the lobby sent us away. */
  refused = $state<LobbyRefusal | undefined>(undefined);
  /** Participant: the host said they are running late (minutes). */
  lateMinutes = $state<number | undefined>(undefined);
  /** Participant of a 1:1: whether the counselor is online, and whether they are still in another session. */
  otherStatus = $state<PresenceStatus | undefined>(undefined);
  /** Participant: the page is ready to be let in (connected, KeyPackage published), so entering will be quick. */
  prepared = $state(false);

  constructor(private readonly deps: SessionLobbyDeps) {}

  /** Whether a pushed lobby event is about this page's session. */
  concerns(notice: { sessionId: string }): boolean {
    return notice.sessionId === this.deps.sessionId();
  }

  /**
   * Participant: knocks (again, after a reconnect or a lock). Resolves
   * whether the host has already let us in; a locked room is a refusal to
   * show, any other error is thrown.
   */
  async knock(): Promise<boolean> {
    if (!this.deps.link.connected) return false;
    try {
      const { admitted } = await this.deps.link.request('lobby:knock', { sessionId: this.deps.sessionId() });
      this.refused = undefined;
      return admitted;
    } catch (error) {
      if (error instanceof ApiError && error.code === 'room_locked') {
        this.refused = 'locked';
        return false;
      }
      throw error;
    }
  }

  late(notice: ServerEventPayload<'lobby:late'>): void {
    if (this.concerns(notice)) this.lateMinutes = notice.minutes;
  }

  presenceChanged({ userId, status }: ServerEventPayload<'presence:update'>): void {
    if (userId === this.deps.other()?.id) this.otherStatus = status;
  }

  /** Asks for the other person's presence (and its pushes from now on); a courtesy the session works without. */
  async refreshPresence(): Promise<void> {
    const other = this.deps.other();
    if (!this.deps.link.connected || !other) return;
    try {
      const states = await this.deps.link.request('presence:subscribe', { userIds: [other.id] });
      this.otherStatus = states.find((s) => s.userId === other.id)?.status ?? 'offline';
    } catch {
      // Presence is a courtesy; the session works without it.
    }
  }

  /** Host: someone knocked. */
  knocked(entry: LobbyEntry): void {
    if (!this.concerns(entry)) return;
    this.queue = [...this.queue.filter((e) => e.userId !== entry.userId), entry];
    this.deps.announce('lobby.knocked', entry.displayName);
  }

  /** Host: someone stopped waiting. */
  left(userId: string): void {
    this.queue = this.queue.filter((e) => e.userId !== userId);
  }

  /** Host: who waits now, from the server (after connecting, or joining the room). */
  async refreshQueue(): Promise<void> {
    if (!this.deps.link.connected) return;
    try {
      this.queue = await this.deps.link.request('lobby:watch', { sessionId: this.deps.sessionId() });
    } catch {
      this.queue = [];
    }
  }

  async admit(userId: string): Promise<void> {
    try {
      await this.deps.link.request('lobby:admit', { sessionId: this.deps.sessionId(), userId });
      this.queue = this.queue.filter((e) => e.userId !== userId);
    } catch (error) {
      this.deps.onError(error);
    }
  }

  /** Host: lets everyone who waits in. */
  async admitAll(): Promise<void> {
    try {
      await this.deps.link.request('lobby:admit-all', { sessionId: this.deps.sessionId() });
      this.queue = [];
    } catch (error) {
      this.deps.onError(error);
    }
  }

  /** Host: tells whoever waits that they are running late. */
  async sendLate(minutes: 5 | 10 | 15): Promise<boolean> {
    try {
      await this.deps.link.request('lobby:late', { sessionId: this.deps.sessionId(), minutes });
      return true;
    } catch (error) {
      this.deps.onError(error);
      return false;
    }
  }
}
