/**
 * How long this process's event loop is held up: a 100-ms tick that comes
 * late says by how much. For a test's log (a process that hosts a server and
 * many simulated members can starve on two cores), never for an assertion.
 */
export class StallWatch {
  #last = Date.now();
  #longest = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(private readonly everyMs = 100) {
    this.#timer = setInterval(() => {
      const now = Date.now();
      this.#longest = Math.max(this.#longest, now - this.#last - this.everyMs);
      this.#last = now;
    }, everyMs);
    this.#timer.unref();
  }

  /** The longest hold-up so far, in ms beyond the tick's own interval. */
  get longestMs(): number {
    return this.#longest;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
