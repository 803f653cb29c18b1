import { COUNTS_STALE_MS } from '../e2ee/worker-protocol.js';

/** How often the receivers are looked at: frames handled by the worker arrive in its counts every 500 ms. */
export const RECEIVE_CHECK_MS = 2500;
/** RTP packets in one check without a single frame reaching the worker: a transform that is not hooked up. */
const STALLED_PACKETS = 20;
/** How often in a row one receiver's transform is put back before it is left as it is (and shows as undecodable). */
export const REATTACH_TRIES = 3;

/** One receiver as the page holds it: its track id (the consumer's id, the worker's id for it) and the RTP packets it got so far. */
export interface ReceiverSample {
  trackId: string;
  packets: number;
}

/**
 * Puts back a decrypting transform that Chromium did not hook up. Every
 * remote track's frames go through the frame worker (with
 * encodedInsertableStreams a receiver's frames reach the decoder only through
 * its transform); now and then a receive stream's transform is attached in
 * the worker (its `rtctransform` event fires) but Chromium never hands it a
 * frame (Chromium issue 467247265; Amazon Chime's SDK works around the same
 * race). The person's tile or voice then stays dark for the rest of the
 * session while its packets keep arriving. So, every check, a receiver whose
 * packets grew while the worker handled none of its frames (opened, dropped
 * for want of a key, or refused: all count) gets a new transform from the
 * same worker, which takes over at once; at most a few times per receiver.
 * Nothing here weakens the encryption: incoming frames are ciphertext either
 * way, and only the worker holds keys.
 */
export class ReceiveTransformWatch {
  readonly #last = new Map<string, { packets: number; handled: number }>();
  readonly #tries = new Map<string, number>();
  #timer: ReturnType<typeof setInterval> | undefined;
  #checking = false;

  constructor(
    /** The receivers now, with their packet counts (one getStats of the receiving connection). */
    private readonly receivers: () => Promise<ReceiverSample[]>,
    /** Frames of a track the worker has handled so far. */
    private readonly framesHandled: (trackId: string) => number,
    /** When the worker counted those frames (its clock, `Date.now()`), or 0 before its first counts. */
    private readonly countsAt: () => number,
    /** Gives the track's receiver a new decrypting transform; false when this browser cannot. */
    private readonly reattach: (trackId: string) => boolean,
    private readonly checkMs: number = RECEIVE_CHECK_MS,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.#timer ??= setInterval(() => void this.check(), this.checkMs);
  }

  /** One look at every receiver (the timer's; a test may call it). */
  async check(): Promise<void> {
    if (this.#checking) return;
    this.#checking = true;
    try {
      const receivers = await this.receivers();
      // Counts older than the packets by more than a post or two: the look is skipped, and the next one compares
      // against the last fresh one (over a longer span, so a stall it finds is all the surer).
      if (this.countsAt() < this.now() - COUNTS_STALE_MS) return;
      const seen = new Set<string>();
      for (const { trackId, packets } of receivers) {
        seen.add(trackId);
        const handled = this.framesHandled(trackId);
        const last = this.#last.get(trackId);
        this.#last.set(trackId, { packets, handled });
        // Frames reach the worker: its transform works (a put-back one too), so a later stall may be put back again.
        if (last && handled > last.handled) this.#tries.delete(trackId);
        if (!last || handled > last.handled || packets - last.packets < STALLED_PACKETS) continue;
        const tries = this.#tries.get(trackId) ?? 0;
        if (tries >= REATTACH_TRIES) continue;
        this.#tries.set(trackId, tries + 1);
        this.reattach(trackId);
      }
      // Receivers gone (their consumers closed): forgotten.
      for (const trackId of [...this.#last.keys()]) {
        if (!seen.has(trackId)) {
          this.#last.delete(trackId);
          this.#tries.delete(trackId);
        }
      }
    } finally {
      this.#checking = false;
    }
  }

  close(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
