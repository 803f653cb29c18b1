import { demoAccounts } from '@care/server';
import { percentile } from '../join-timing.js';
import type { BrowserHarness } from '../../support/browser-harness.js';
import { reachDeviceCheck } from '../../support/session-flow.js';

const SAMPLES = 10;
const SAMPLE_EVERY_MS = 1000;

export interface BlurFigures {
  /** Median over the samples of the app's own figure: mean segmentation + compositing time per frame over its last 3 s. */
  usPerFrame: number;
  /** Frames the effect put out per second (median of the same samples). */
  fps: number;
  width: number;
  height: number;
}

/**
 * Background blur's cost per frame, as the app measures it on itself: the
 * built app's device check with blur chosen (MediaPipe's selfie segmentation
 * from our origin, then the canvas compositing), on Chromium's fake camera;
 * the page's own per-frame figure (`data-ms-per-frame` on the choice, the
 * mean over its last three seconds) read once a second for ten seconds after
 * the effect has run a whole window, and the median taken.
 */
export async function measureBlur(h: BrowserHarness): Promise<BlurFigures> {
  const asn = demoAccounts.find((a) => a.role === 'asn');
  if (!asn) throw new Error('no demo ASN');
  const { context, page } = await h.signIn(asn.email, asn.password);
  try {
    await page.getByTestId('open-session').click();
    await reachDeviceCheck(page);
    await page.getByTestId('background-blur').check();
    const choice = page.locator('[data-testid="background-choice"][data-status="on"][data-ms-per-frame]');
    await choice.waitFor({ timeout: 120_000 });
    const samples: Array<{ ms: number; fps: number }> = [];
    for (let i = 0; i < SAMPLES; i++) {
      await page.waitForTimeout(SAMPLE_EVERY_MS);
      samples.push(await choice.evaluate((el: HTMLElement) => ({ ms: Number(el.dataset.msPerFrame), fps: Number(el.dataset.fps) })));
    }
    const size = await page.getByTestId('preview-video').evaluate((video: HTMLVideoElement) => ({ width: video.videoWidth, height: video.videoHeight }));
    return {
      usPerFrame: percentile(samples.map((s) => s.ms * 1000), 50),
      fps: percentile(samples.map((s) => s.fps), 50),
      ...size,
    };
  } finally {
    await context.close();
  }
}
