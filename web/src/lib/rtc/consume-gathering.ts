import type { types } from 'mediasoup-client';

/**
 * How long a gathering waits after the last request for another: a
 * newcomer's audio and video (and, in a circle, everyone's) are asked for
 * within a few milliseconds of each other.
 */
export const GATHER_MS = 5;

/** The longest a request waits for others, however many keep coming. */
export const GATHER_MAX_MS = 50;

interface Gathered {
  options: types.ConsumerOptions;
  resolve: (consumer: types.Consumer) => void;
  reject: (error: unknown) => void;
}

/**
 * Sets consumers up together. mediasoup-client makes one SDP renegotiation
 * for all the consume() calls of one turn, but the server's requests arrive
 * as separate messages, so each became a renegotiation of its own, one after
 * another; on a busy phone each costs tens of milliseconds of the main
 * thread, and the one for the video waited behind the one for the audio
 * (issue 15: the newcomer's first picture). Requests are passed on in one
 * turn once GATHER_MS pass without another (a lone one waits that long and no
 * more), or GATHER_MAX_MS after the first. A window counted from the first
 * split a circle's burst on a busy page: the sixteen requests of eight people
 * let in together reach it over more than 5 ms, the first went on alone, and
 * the other fifteen waited for its renegotiation (answered 2.4–5.7 s after
 * "admit all" where one turn answered all by 1.3 s).
 */
export class ConsumeGathering {
  #gathered: Gathered[] = [];
  #transport: types.Transport | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #deadline = 0;

  constructor(
    private readonly gatherMs = GATHER_MS,
    private readonly gatherMaxMs = GATHER_MAX_MS,
  ) {}

  consume(transport: types.Transport, options: types.ConsumerOptions): Promise<types.Consumer> {
    // A new transport (the media moved) starts a gathering of its own; what was gathered goes to the old one now.
    if (this.#transport !== undefined && this.#transport !== transport) this.#flush();
    this.#transport = transport;
    return new Promise((resolve, reject) => {
      if (this.#gathered.length === 0) this.#deadline = performance.now() + this.gatherMaxMs;
      this.#gathered.push({ options, resolve, reject });
      clearTimeout(this.#timer);
      this.#timer = setTimeout(() => this.#flush(), Math.max(0, Math.min(this.gatherMs, this.#deadline - performance.now())));
    });
  }

  /** What is gathered is refused (the room was left). */
  cancel(reason: Error): void {
    for (const entry of this.#take().gathered) entry.reject(reason);
  }

  #flush(): void {
    const { transport, gathered } = this.#take();
    if (!transport) return;
    // All in this one turn: mediasoup-client puts them in a single offer and answer.
    for (const { options, resolve, reject } of gathered) {
      if (transport.closed) reject(new Error('the receive transport closed'));
      else transport.consume(options).then(resolve, reject);
    }
  }

  /** What was gathered, and for which transport; the gathering starts afresh. */
  #take(): { transport: types.Transport | undefined; gathered: Gathered[] } {
    clearTimeout(this.#timer);
    const taken = { transport: this.#transport, gathered: this.#gathered };
    this.#timer = undefined;
    this.#transport = undefined;
    this.#gathered = [];
    return taken;
  }
}
