import type { BrowserContext, Page } from 'playwright-core';

/**
 * Keeps every camera track the page is given by getUserMedia, so a test can
 * ask whether the device is still held open (its light on): a track that is
 * merely disabled is still live, one let go of has ended.
 */
export async function watchCameras(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const kept: MediaStreamTrack[] = [];
    (window as unknown as { __cameraTracks: MediaStreamTrack[] }).__cameraTracks = kept;
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = async (constraints) => {
      const stream = await original(constraints);
      kept.push(...stream.getVideoTracks());
      return stream;
    };
  });
}

/** How many camera tracks of this page are live (the camera held open), and how many it opened in all. */
export async function cameras(page: Page): Promise<{ live: number; opened: number }> {
  return page.evaluate(() => {
    const kept = (window as unknown as { __cameraTracks?: MediaStreamTrack[] }).__cameraTracks ?? [];
    return { live: kept.filter((track) => track.readyState === 'live').length, opened: kept.length };
  });
}
