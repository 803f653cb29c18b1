/** How far back the pace is judged. */
export const PACE_WINDOW_MS = 3000;
/** Behind for this long before the person is told (a moment's hiccup is not worth a notice). */
export const STRUGGLE_AFTER_MS = 5000;
/** More than this per frame leaves too little of the frame time for everything else. */
export const MAX_MS_PER_FRAME = 50;
/** Below this a face on video starts to look jerky. */
export const MIN_FPS = 15;

export interface PaceFigures {
  /** Mean processing time per frame over the window, milliseconds. */
  msPerFrame: number;
  /** Frames processed per second over the window. */
  fps: number;
}

/**
 * The pace of a per-frame effect (background blur): each processed frame's
 * cost, and whether the device keeps up with the camera. Behind means, over
 * the last window, more than 50 ms per frame, or fewer frames out than 15 a
 * second and than four in five of what the camera gives (a camera that itself
 * gives 12 in dim light is not the effect's fault). Struggling means behind
 * without a break for five seconds.
 */
export class FramePace {
  readonly #frames: Array<{ at: number; costMs: number }> = [];
  #firstAt: number | undefined;
  #behindSince: number | undefined;

  /** One frame done at `at` (ms, monotonic) that took `costMs` to process. */
  record(at: number, costMs: number): void {
    this.#firstAt ??= at;
    this.#frames.push({ at, costMs });
    this.#prune(at);
  }

  /** The last window's figures; undefined until the effect has run for a whole window. */
  figures(now: number): PaceFigures | undefined {
    this.#prune(now);
    if (this.#firstAt === undefined || now - this.#firstAt < PACE_WINDOW_MS) return undefined;
    const frames = this.#frames;
    return {
      // No frame at all in the window: as slow as the window is long.
      msPerFrame: frames.length > 0 ? frames.reduce((sum, f) => sum + f.costMs, 0) / frames.length : PACE_WINDOW_MS,
      fps: (frames.length * 1000) / PACE_WINDOW_MS,
    };
  }

  /** Judges the pace at `now` against the camera's frame rate; true once behind for long enough to say so. */
  struggling(now: number, cameraFps: number): boolean {
    const figures = this.figures(now);
    if (!figures) return false;
    const behind = figures.msPerFrame > MAX_MS_PER_FRAME || figures.fps < Math.min(MIN_FPS, cameraFps * 0.8);
    if (!behind) {
      this.#behindSince = undefined;
      return false;
    }
    this.#behindSince ??= now;
    return now - this.#behindSince >= STRUGGLE_AFTER_MS;
  }

  /** Nothing was processed for a while on purpose (the camera was off): judge afresh from the next frame. */
  reset(): void {
    this.#frames.length = 0;
    this.#firstAt = undefined;
    this.#behindSince = undefined;
  }

  #prune(now: number): void {
    while (this.#frames.length > 0 && this.#frames[0]!.at <= now - PACE_WINDOW_MS) this.#frames.shift();
  }
}
