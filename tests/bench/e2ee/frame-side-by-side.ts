import type { Browser } from 'playwright-core';
import { percentile } from '../join-timing.js';
import type { FrameTarget, KindResult, TargetFigures } from './frame-bench-protocol.js';
import type { BenchWindow, TargetRound } from './frame-bench.page.js';
import type { RecordedSummary } from './frame-recording.js';
import { startFrameBenchServer } from './frame-bench-server.js';

export const FRAME_TARGETS: FrameTarget[] = ['care', 'livekit', 'webcrypto', 'passthrough', 'pipe'];

export interface SideBySide {
  recorded: RecordedSummary;
  rounds: number;
  figures: Record<FrameTarget, TargetFigures>;
  /** Anything LiveKit's workers logged at warn or above, or reported as an error, during the runs. */
  liveKitComplaints: string[];
}

const median = (values: number[]) => percentile(values, 50);

/**
 * One direction of one round: the median batch of each kind, weighted by how
 * many frames of each kind were recorded (about 24 video to 50 audio a
 * second). Medians, because on a shared machine a frame now and then waits
 * milliseconds for a core, which says nothing about the code.
 */
function perFrame(video: KindResult, audio: KindResult): number {
  return (median(video.us) * video.frames + median(audio.us) * audio.frames) / (video.frames + audio.frames);
}

function figuresOf(rounds: TargetRound[]): TargetFigures {
  const added = rounds.reduce(
    (sum, r) => ({ bytes: sum.bytes + r.seal.video.bytesOut - r.seal.video.bytesIn + r.seal.audio.bytesOut - r.seal.audio.bytesIn, frames: sum.frames + r.seal.video.frames + r.seal.audio.frames }),
    { bytes: 0, frames: 0 },
  );
  return {
    usPerFrame: median(rounds.map((r) => perFrame(r.seal.video, r.seal.audio) + perFrame(r.open.video, r.open.audio))),
    sealVideoUs: median(rounds.map((r) => median(r.seal.video.us))),
    openVideoUs: median(rounds.map((r) => median(r.open.video.us))),
    sealAudioUs: median(rounds.map((r) => median(r.seal.audio.us))),
    openAudioUs: median(rounds.map((r) => median(r.open.audio.us))),
    bytesPerFrame: added.bytes / added.frames,
  };
}

/**
 * The same recorded VP8 and Opus frames through our frame worker, LiveKit's,
 * and the two floors, in one page: every target seals every frame and opens
 * what it sealed, one frame at a time, timed in the worker from frame in to
 * frame out. Rounds alternate the order of the targets (ABBA) so drift on a
 * shared machine falls on all of them; the first rounds warm up and are not
 * counted; figures are medians over the rounds.
 */
export async function measureFrameCrypto(browser: Browser, options: { rounds: number; warmupRounds: number }): Promise<SideBySide> {
  const server = await startFrameBenchServer();
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => 'benchRound' in window);
    const recorded = await page.evaluate(() => (window as unknown as BenchWindow).benchRecord(4000, 10_000));
    await page.evaluate((targets) => (window as unknown as BenchWindow).benchPrepare(targets), FRAME_TARGETS);
    const byTarget = new Map<FrameTarget, TargetRound[]>(FRAME_TARGETS.map((t) => [t, []]));
    for (let r = 0; r < options.warmupRounds + options.rounds; r++) {
      const order = r % 2 === 0 ? FRAME_TARGETS : [...FRAME_TARGETS].reverse();
      const round = await page.evaluate((order) => (window as unknown as BenchWindow).benchRound(order), order);
      if (r < options.warmupRounds) continue;
      for (const target of FRAME_TARGETS) {
        const result = round[target];
        if (!result) throw new Error(`round ${r} has no result for ${target}`);
        byTarget.get(target)!.push(result);
      }
    }
    const figures = Object.fromEntries(FRAME_TARGETS.map((t) => [t, figuresOf(byTarget.get(t)!)])) as Record<FrameTarget, TargetFigures>;
    const liveKitComplaints = await page.evaluate(() => (window as unknown as BenchWindow).benchLiveKitComplaints());
    return { recorded, rounds: options.rounds, figures, liveKitComplaints };
  } finally {
    await context.close();
    server.close();
  }
}
