/** How long a closed consumer's re-offer waits: a leaver's `room:peer-left` follows its consumers' closing, and settles it. */
export const REOFFER_AFTER_MS = 500;
/** The longest wait between asks the server did not take (its request budget spent, or no answer). */
export const REOFFER_MAX_BACKOFF_MS = 8000;

/**
 * Gets back a consumer the server gave up on. The server asks for each
 * consumer (`room:consume`) and closes it when no answer comes within its
 * limit (a slow device, a busy tab): the page would then never see that
 * person. The server offers what a peer is missing whenever it says it is
 * ready to receive (`room:ready`), so this asks again — once for a burst of
 * closings — while the person whose media it was is still in the room.
 * A consumer the page could not set up at all (it answered with an error)
 * is not asked for again: the same answer would come back. An ask the
 * server did not take (a churning circle can spend the page's request
 * budget, or the answer is lost) is made again, later each time, until it
 * is taken: otherwise that person's tile would stay dark for the rest of
 * the session.
 */
export class ConsumerReoffer {
  /** Consumers asked for and still being set up here: the producing peer, by consumer id. */
  readonly #pending = new Map<string, string>();
  /** Pending consumers the server closed meanwhile: dropped as soon as they are set up. */
  readonly #closedWhilePending = new Set<string>();
  /** People whose media went while they stayed: asked for again when the timer fires. */
  readonly #missing = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #delayMs: number;
  #closed = false;

  constructor(
    /** Whether this person is still in the room (as far as the page knows) or only just arriving. */
    private readonly stillThere: (peerId: string) => boolean,
    /** Tells the server we are ready to receive (it then offers what we lack); false when it did not take the ask. */
    private readonly askAgain: () => Promise<boolean>,
    private readonly firstDelayMs = REOFFER_AFTER_MS,
  ) {
    this.#delayMs = firstDelayMs;
  }

  /** The server asked for a consumer of `peerId`'s media; setting it up starts. */
  asked(consumerId: string, peerId: string): void {
    this.#pending.set(consumerId, peerId);
  }

  /** Setting it up ended (done or failed); false if the server closed it meanwhile, so it must be dropped. */
  settled(consumerId: string): boolean {
    this.#pending.delete(consumerId);
    return !this.#closedWhilePending.delete(consumerId);
  }

  /**
   * The server closed a consumer: `peerId` when it was set up here (the
   * page's own entry), undefined when the page did not have it. A pending
   * one was closed for want of an answer; a set-up one may have been too
   * (its answer came late), or its producer went (then, if the person stays,
   * asking again finds nothing new and costs one request).
   */
  closed(consumerId: string, setUpFor: string | undefined): void {
    const pendingFor = this.#pending.get(consumerId);
    if (pendingFor !== undefined) this.#closedWhilePending.add(consumerId);
    const peerId = pendingFor ?? setUpFor;
    if (peerId === undefined) return;
    this.#missing.add(peerId);
    this.#timer ??= setTimeout(() => this.#fire(), this.#delayMs);
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending.clear();
    this.#closedWhilePending.clear();
    this.#missing.clear();
  }

  #fire(): void {
    this.#timer = undefined;
    const wanted = [...this.#missing].filter((peerId) => this.stillThere(peerId));
    this.#missing.clear();
    if (wanted.length === 0) return;
    void this.askAgain().then((taken) => {
      if (this.#closed) return;
      if (taken) {
        this.#delayMs = this.firstDelayMs;
        return;
      }
      this.#delayMs = Math.min(this.#delayMs * 2, REOFFER_MAX_BACKOFF_MS);
      for (const peerId of wanted) this.#missing.add(peerId);
      this.#timer ??= setTimeout(() => this.#fire(), this.#delayMs);
    });
  }
}
