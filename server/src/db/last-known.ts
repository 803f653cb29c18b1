import { isDatabaseUnavailable } from '../errors.js';

/** At most this many remembered answers per node; the oldest go first. */
const MAX_ENTRIES = 10_000;

/**
 * What the database last said about something, kept in this node's memory
 * for a while, so that what people already had keeps working while the
 * database is down (a reconnect, a second tab, a reload in a session). Only
 * read when the database cannot be reached or has gone silent: otherwise the
 * database decides, so a change (a cancellation, a deactivation) takes
 * effect at once. In memory rather than in Redis because answers hold
 * display names, which Redis never does.
 */
export class LastKnown<T> {
  readonly #entries = new Map<string, { value: T; until: number }>();

  constructor(
    /** How long a silent database is waited for before the remembered answer is used. */
    private readonly patienceMs: number,
  ) {}

  remember(key: string, value: T, until: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, until });
    if (this.#entries.size > MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }

  recall(key: string, now = Date.now()): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.until < now) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }

  /**
   * The database's answer when it gives one in time; the remembered one when
   * the database is unreachable, or silent for longer than the patience. A
   * refusal from the database (not found, not allowed) always stands.
   */
  async freshOr(key: string, fresh: Promise<T>, remember: (value: T) => number): Promise<T> {
    const answered = fresh.then((value) => {
      this.remember(key, value, remember(value));
      return value;
    });
    const known = this.recall(key);
    if (known === undefined) return answered;
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<'waited'>((resolve) => (timer = setTimeout(() => resolve('waited'), this.patienceMs)));
    try {
      const first = await Promise.race([answered, patience]);
      if (first !== 'waited') return first;
      answered.catch(() => undefined);
      return known;
    } catch (error) {
      if (isDatabaseUnavailable(error)) return known;
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
