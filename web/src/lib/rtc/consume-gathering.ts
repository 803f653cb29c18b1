import type { types } from 'mediasoup-client';

/**
 * How long a consumer the server asks for waits for others: a newcomer's
 * audio and video (and, in a circle, everyone's) are asked for within a few
 * milliseconds of each other.
 */
export const GATHER_MS = 5;

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
 * (issue 15: the newcomer's first picture). Requests that come within
 * GATHER_MS of the first are passed on in one turn; a lone one waits that
 * long and no more.
 */
export class ConsumeGathering {
  #gathered: Gathered[] = [];
  #transport: types.Transport | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly gatherMs = GATHER_MS) {}

  consume(transport: types.Transport, options: types.ConsumerOptions): Promise<types.Consumer> {
    // A new transport (the media moved) starts a gathering of its own; what was gathered goes to the old one now.
    if (this.#transport !== undefined && this.#transport !== transport) this.#flush();
    this.#transport = transport;
    return new Promise((resolve, reject) => {
      this.#gathered.push({ options, resolve, reject });
      this.#timer ??= setTimeout(() => this.#flush(), this.gatherMs);
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
