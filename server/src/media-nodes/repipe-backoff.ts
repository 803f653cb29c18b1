/** The first pause before a dead pipe is opened again. */
export const REPIPE_FIRST_MS = 1000;
/** The longest pause: a link down for long is tried twice a minute. */
export const REPIPE_LONGEST_MS = 30_000;
/** A pipe that lived this long since its producer's last death starts over from the first pause. */
const REPIPE_SETTLED_MS = 60_000;

/**
 * How long to wait before opening again a pipe found dead, per far producer:
 * 1 s at first, doubling with each death that follows the last within a
 * minute, up to 30 s. A link that flaps or stays down is not hammered with
 * pipe requests (each one a round trip through the signal node and a port
 * taken on both hosts); a pipe that then lived a minute is forgiven.
 */
export class RepipeBackoff {
  readonly #last = new Map<string, { at: number; pause: number }>();

  /** The pause before re-piping this producer, now that its pipe was found dead at `now`. */
  next(producerId: string, now: number): number {
    const last = this.#last.get(producerId);
    const pause = last && now - last.at < last.pause + REPIPE_SETTLED_MS ? Math.min(last.pause * 2, REPIPE_LONGEST_MS) : REPIPE_FIRST_MS;
    this.#last.set(producerId, { at: now, pause });
    return pause;
  }

  /** The producer is gone: nothing more to remember of it. */
  forget(producerId: string): void {
    this.#last.delete(producerId);
  }
}
