/** What the page says about keeping the plan on this device. */
export type PlanSaveState = 'idle' | 'saving' | 'saved' | 'failed';

/**
 * Writes to the device's vault, gathered: edits within `delayMs` of each
 * other become one write (one field's keystrokes, a tick and a note). The
 * state is what the page shows ("saving…", "saved", or that it failed).
 */
export class PlanSaving {
  state = $state<PlanSaveState>('idle');
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly write: () => Promise<void>,
    private readonly delayMs = 300,
  ) {}

  schedule(): void {
    this.state = 'saving';
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.flush(), this.delayMs);
  }

  /** Writes now if a write is waiting (or `force`). */
  async flush(force = false): Promise<void> {
    if (!this.#timer && !force) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.state = 'saving';
    try {
      await this.write();
      this.state = 'saved';
    } catch {
      this.state = 'failed';
    }
  }
}
