/**
 * Whether a pipe between hosts still carries anything. A PipeTransport has
 * no ICE or DTLS state to say a link went away, so each end reads its stats
 * and judges: while media should be crossing (`expecting`), the counter of
 * what crossed (`crossed`) must move; standing still for `deadAfterMs` means
 * the link is dead. While nothing is expected (the producer paused) the
 * clock does not run. On host B, `expecting` is "the producer is not
 * paused" and `crossed` the pipe producer's received bytes; on host A,
 * `expecting` is "the pipe consumer sent bytes since the last reading" and
 * `crossed` the bytes (RTCP reports) its transport received back from B.
 */
export interface PipeSample {
  at: number;
  expecting: boolean;
  crossed: number;
}

export type PipeVerdict = 'alive' | 'dead';

export class PipeHealth {
  #crossed: number | undefined;
  /** Since when the counter has stood still while media was expected. */
  #stillSince: number | undefined;

  constructor(private readonly deadAfterMs: number) {}

  observe(sample: PipeSample): PipeVerdict {
    const moved = this.#crossed === undefined || sample.crossed !== this.#crossed;
    this.#crossed = sample.crossed;
    if (!sample.expecting || moved) {
      this.#stillSince = sample.expecting ? sample.at : undefined;
      return 'alive';
    }
    this.#stillSince ??= sample.at;
    return sample.at - this.#stillSince >= this.deadAfterMs ? 'dead' : 'alive';
  }
}

/**
 * Reads `sample` every `watchIntervalMs` and calls `onDead` once when the health
 * says dead; the answer stops the watch. A failed reading (the pipe closing
 * under it) is skipped.
 */
export function watchPipe(sample: () => Promise<PipeSample>, options: { watchIntervalMs: number; deadAfterMs: number }, onDead: () => void): () => void {
  const health = new PipeHealth(options.deadAfterMs);
  let stopped = false;
  let inFlight = false;
  const timer = setInterval(() => {
    if (inFlight || stopped) return;
    inFlight = true;
    sample().then(
      (reading) => {
        inFlight = false;
        if (stopped || health.observe(reading) !== 'dead') return;
        stop();
        onDead();
      },
      () => {
        inFlight = false;
      },
    );
  }, options.watchIntervalMs);
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}
