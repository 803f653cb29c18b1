import type { Logger } from 'pino';

/**
 * Logs refusals at most once per window per key, each line saying how many
 * went unlogged since the one before: a flood must not flood the logs too.
 * Holds at most `maxKeys` keys (the oldest are forgotten first), so a flood of
 * keys cannot grow it either.
 */
export class RefusalLog {
  readonly #last = new Map<string, { at: number; unlogged: number }>();

  constructor(
    private readonly log: Logger,
    private readonly windowMs: number,
    private readonly maxKeys = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  refused(key: string, fields: Record<string, unknown>, message: string): void {
    const now = this.now();
    const last = this.#last.get(key);
    if (last && now - last.at < this.windowMs) {
      last.unlogged++;
      return;
    }
    this.#last.delete(key);
    if (this.#last.size >= this.maxKeys) {
      const oldest = this.#last.keys().next();
      if (!oldest.done) this.#last.delete(oldest.value);
    }
    this.#last.set(key, { at: now, unlogged: 0 });
    this.log.warn({ ...fields, unloggedSinceLastLine: last?.unlogged ?? 0 }, message);
  }
}
