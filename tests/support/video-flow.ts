import type { Page } from 'playwright-core';
import { inboundMedia } from './browser.js';

/** Video frames this page decoded over `ms` (from its real getStats). */
export async function videoFramesOver(page: Page, ms: number): Promise<number> {
  const before = (await inboundMedia(page)).videoFramesDecoded;
  await page.waitForTimeout(ms);
  return (await inboundMedia(page)).videoFramesDecoded - before;
}

/** Waits until this page decodes video again (frames decoded keep rising). */
export async function waitForVideoFrames(page: Page, timeoutMs = 30_000): Promise<void> {
  const start = (await inboundMedia(page)).videoFramesDecoded;
  await page.waitForFunction(
    async (from) => {
      let frames = 0;
      for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
        if (pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
        });
      }
      return frames > from + 10;
    },
    start,
    { timeout: timeoutMs, polling: 500 },
  );
}
