import { COUNTS_STALE_MS } from '../e2ee/worker-protocol.js';

export type SendKind = 'audio' | 'video';
/** What a sending track carries: the microphone, the camera (by kind), or a shared screen. */
export type SendSource = SendKind | 'screen';

/** How long after a track starts or resumes sending its encrypting transform must have seen new frames. */
export const TRANSFORM_CHECK_MS = 3000;

/**
 * Fail-closed on an encrypting transform that does not run. Each time a
 * track starts sending or resumes (a circle camera starts paused and is
 * switched on later; a microphone comes back after mute), its transform must
 * see new frames within the check time, or `onSilent` is called for that kind
 * so the caller stops it and tells the person. Chromium sends nothing from a
 * stream whose transform never reads (with encodedInsertableStreams), but a
 * browser that took the other path would send in the clear, so this does not
 * rely on it.
 *
 * A source that gives no frames (a camera the system has muted, or one still
 * waking up) is not a broken transform and has nothing to leak: its check
 * waits, and runs again until the source gives frames.
 *
 * The worker's counts reach the page by message; on a page starved of CPU (a
 * phone) they can be seconds old when the check runs, and a working camera
 * would be stopped. Stale counts give the check one more period; after that it
 * judges by what it has (fail-closed: a worker that posts nothing at all is
 * not trusted to be sealing).
 */
export class TransformWatch {
  readonly #checks = new Map<SendSource, ReturnType<typeof setTimeout>>();

  constructor(
    /** Frames the worker has handled for a track so far (sealed or dropped for want of a key). */
    private readonly framesSeen: (trackId: string) => number,
    /** When the worker made those counts (its `Date.now()`). */
    private readonly countsAt: () => number,
    /** Whether the track of this kind is giving frames to encode (live and not muted). */
    private readonly sourceLive: (kind: SendSource) => boolean,
    private readonly onSilent: (kind: SendSource) => void,
    private readonly checkMs: number = TRANSFORM_CHECK_MS,
  ) {}

  /** The track of `kind` (its transform counting under `trackId`) starts sending now; a shared screen is watched as its own track. */
  started(kind: SendSource, trackId: string): void {
    this.stopped(kind);
    this.#arm(kind, trackId, this.framesSeen(trackId));
  }

  #arm(kind: SendSource, trackId: string, before: number, waitedForCounts = false): void {
    this.#checks.set(
      kind,
      setTimeout(() => {
        this.#checks.delete(kind);
        if (this.framesSeen(trackId) > before) return;
        const stale = this.countsAt() < Date.now() - COUNTS_STALE_MS;
        if (stale && !waitedForCounts) this.#arm(kind, trackId, before, true);
        else if (this.sourceLive(kind)) this.onSilent(kind);
        else this.#arm(kind, trackId, before, waitedForCounts);
      }, this.checkMs),
    );
  }

  /** The track is paused or gone: nothing to check until it starts again. */
  stopped(kind: SendSource): void {
    clearTimeout(this.#checks.get(kind));
    this.#checks.delete(kind);
  }

  close(): void {
    for (const kind of [...this.#checks.keys()]) this.stopped(kind);
  }
}
