/** How often the watch looks and pings, and how long a silence loses a peer. */
export interface Liveness {
  everyMs: number;
  silenceMs: number;
}

/**
 * Keeps, for each peer on a control connection, when anything last came from
 * it, pings each at every tick, and calls a peer silent when nothing came for
 * `silenceMs`. Both ends of media-node control use it: the signal node
 * watching its media nodes (control-channel.ts) and a media node watching its
 * signal nodes (control-server.ts).
 *
 * Silence is judged only over time this process could listen. A process
 * whose event loop is held up for seconds (a loaded host, a long collection)
 * used to count its own stall as the peer's: its timer fired before it read
 * the answers waiting on the socket, and a healthy peer was cut off. So a
 * tick that comes late (more than two periods after the last) starts every
 * silence anew, and a verdict waits until the sockets have been read
 * (`setImmediate` runs after the I/O phase, timers before it).
 */
export class SilenceWatch<Peer> {
  readonly #heard = new Map<Peer, number>();
  readonly #timer: NodeJS.Timeout;
  #lastTick = Date.now();

  constructor(
    private readonly liveness: Liveness,
    /** Asks the peer for a sign of life; whatever comes back counts through `heard`. */
    private readonly ping: (peer: Peer) => void,
    /** Nothing came from the peer for longer than `silenceMs` of time this process could listen. */
    private readonly onSilent: (peer: Peer, silentMs: number) => void,
  ) {
    this.#timer = setInterval(() => this.#tick(), liveness.everyMs);
    this.#timer.unref();
  }

  /** The peer connected: watched from now on. */
  watch(peer: Peer): void {
    this.#heard.set(peer, Date.now());
  }

  /** Something came from the peer: its silence starts now (a peer no longer watched stays so). */
  heard(peer: Peer): void {
    if (this.#heard.has(peer)) this.#heard.set(peer, Date.now());
  }

  forget(peer: Peer): void {
    this.#heard.delete(peer);
  }

  peers(): IterableIterator<Peer> {
    return this.#heard.keys();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  #tick(): void {
    const now = Date.now();
    const { everyMs, silenceMs } = this.liveness;
    const late = now - this.#lastTick > 2 * everyMs;
    this.#lastTick = now;
    for (const [peer, heard] of this.#heard) {
      if (late) this.#heard.set(peer, now);
      else if (now - heard > silenceMs) {
        setImmediate(() => {
          const last = this.#heard.get(peer);
          if (last === undefined || Date.now() - last <= silenceMs) return;
          this.#heard.delete(peer);
          this.onSilent(peer, Date.now() - last);
        });
        continue;
      }
      this.ping(peer);
    }
  }
}
