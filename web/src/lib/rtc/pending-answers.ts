/**
 * The answers to the server's consumer requests not sent yet. Each answer is
 * what starts its consumer at the SFU, so the page holds back its own long
 * work (building the room's view) until they are out, within a limit.
 */
export class PendingAnswers {
  readonly #pending = new Set<Promise<unknown>>();

  /** An answer on its way: `answered` settles once it is sent (or could not be). */
  add(answered: Promise<unknown>): void {
    this.#pending.add(answered);
    void answered.then(
      () => this.#pending.delete(answered),
      () => this.#pending.delete(answered),
    );
  }

  get size(): number {
    return this.#pending.size;
  }

  /**
   * Resolves once every answer pending now is sent, or after `maxMs`,
   * whichever is first (at once if none is); never rejects. Answers added
   * later are not waited for.
   */
  settled(maxMs: number): Promise<void> {
    if (this.#pending.size === 0) return Promise.resolve();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, maxMs)));
    const all = Promise.allSettled([...this.#pending]).then(() => undefined);
    return Promise.race([all, limit]).finally(() => clearTimeout(timer));
  }
}
