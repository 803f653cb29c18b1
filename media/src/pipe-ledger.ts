/** What the ledger opens and closes: for the media, a pipe producer on the far router. */
export interface Closable {
  close(): void;
}

interface Entry {
  holders: number;
  opened: Promise<Closable>;
  /** Set once opened, so a release closes it at once (a new opening of the same key may follow right away). */
  pipe?: Closable;
}

/**
 * Pipes opened on first use and closed when their last holder lets go. A
 * holder is a consumer on the far side (or the room's speaker observer); each
 * `acquire` gives back the one `release` it must call once. Holders arriving
 * together share one opening, and a failed opening is forgotten: however a
 * peer joins and leaves, no pipe outlives its holders, so the pipes in a room are bounded by its
 * producers times its routers at any moment.
 */
export class PipeLedger {
  readonly #entries = new Map<string, Entry>();

  /** Pipes open (or opening) now. */
  get size(): number {
    return this.#entries.size;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  async acquire(key: string, open: () => Promise<Closable>): Promise<() => void> {
    let entry = this.#entries.get(key);
    if (!entry) {
      const opened = open();
      entry = { holders: 0, opened };
      const created = entry;
      this.#entries.set(key, created);
      // A failed opening is forgotten, so the next holder tries again.
      opened.then(
        (pipe) => {
          created.pipe = pipe;
        },
        () => {
          if (this.#entries.get(key) === created) this.#entries.delete(key);
        },
      );
    }
    entry.holders++;
    const held = entry;
    try {
      await held.opened;
    } catch (error) {
      held.holders--;
      throw error;
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.holders--;
      if (held.holders > 0) return;
      if (this.#entries.get(key) === held) this.#entries.delete(key);
      if (held.pipe) held.pipe.close();
      else void held.opened.then((pipe) => pipe.close(), () => undefined);
    };
  }

  /**
   * Closes one pipe now, whoever still holds it (its link died): the next
   * `acquire` of the key opens a new one, and the old holders' releases
   * touch only the pipe they held.
   */
  drop(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    if (entry.pipe) entry.pipe.close();
    else void entry.opened.then((pipe) => pipe.close(), () => undefined);
  }

  /** Forgets every pipe (their routers are closing, which closes them). */
  clear(): void {
    this.#entries.clear();
  }
}
