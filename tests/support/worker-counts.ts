import type { BrowserContext, Page } from 'playwright-core';

/** What the frame worker reports per track (web/src/lib/e2ee/worker-protocol.ts `TrackCounts`). */
export interface WorkerTrackCounts {
  trackId: string;
  operation: 'encrypt' | 'decrypt';
  frames: number;
  noKey: number;
  failuresByLeaf: Record<string, number>;
  /** Where the track's pump is (frame-cryptor.ts): backpressure, reading, processing, ended or failed. */
  stage: string;
}

/** Test-only: keeps the frame worker's latest counts per track as it posts them to the page (no hook in the app). */
export async function captureWorkerCounts(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const latest: Record<string, unknown> = {};
    (window as unknown as { __workerCounts: Record<string, unknown> }).__workerCounts = latest;
    const NativeWorker = window.Worker;
    window.Worker = class extends NativeWorker {
      constructor(...args: ConstructorParameters<typeof Worker>) {
        super(...args);
        this.addEventListener('message', (event: MessageEvent<{ kind?: string; tracks?: Array<{ trackId: string }> }>) => {
          if (event.data.kind === 'counts') for (const track of event.data.tracks ?? []) latest[track.trackId] = track;
        });
      }
    };
  });
}

/** The page's frame worker counts, by track, as last posted (every 500 ms). */
export async function workerCounts(page: Page): Promise<WorkerTrackCounts[]> {
  return page.evaluate(() => Object.values((window as unknown as { __workerCounts: Record<string, WorkerTrackCounts> }).__workerCounts));
}
