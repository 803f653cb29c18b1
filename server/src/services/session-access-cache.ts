import type { SessionAccess } from './session-directory.js';

/** At most this many remembered accesses per node; the oldest go first. */
const MAX_ENTRIES = 10_000;

/**
 * The last access each person was given to each session, kept in this
 * node's memory until the session's room closes, so that people already in
 * a session can rejoin it (a reconnect, a second tab) while the database is
 * down. Only read when the database cannot be reached: otherwise the
 * database decides, so a cancellation takes effect at once. In memory rather
 * than in Redis because it holds display names, which Redis never does.
 * The lobby's admitted set and the floor (removed, ended) stay in Redis and
 * are checked as usual.
 */
export class SessionAccessCache {
  readonly #entries = new Map<string, { access: SessionAccess; until: number }>();

  constructor(private readonly openAfterEndMs: number) {}

  remember(userId: string, access: SessionAccess): void {
    const key = `${access.sessionId}:${userId}`;
    this.#entries.delete(key);
    this.#entries.set(key, { access, until: access.endsAt.getTime() + this.openAfterEndMs });
    if (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  recall(sessionId: string, userId: string, now = Date.now()): SessionAccess | undefined {
    const key = `${sessionId}:${userId}`;
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until < now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.access;
  }
}
