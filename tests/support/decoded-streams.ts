import type { Page } from 'playwright-core';

/** Inbound streams of a kind this page decodes: their SSRCs whose decoded frames (video) or samples (audio) rose over `ms`. */
export async function decodedStreams(page: Page, kind: 'audio' | 'video', ms: number): Promise<number> {
  const snapshot = () =>
    page.evaluate(async (k) => {
      const counts: Record<string, number> = {};
      for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
        if (pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((s: { type: string; kind?: string; ssrc?: number; framesDecoded?: number; totalSamplesReceived?: number; concealedSamples?: number }) => {
          if (s.type !== 'inbound-rtp' || s.kind !== k || s.ssrc === 1234) return;
          // Decoded: video frames out of the decoder; audio samples that were not concealment (a frame the
          // SFrame worker could not open never reaches the decoder, and the gap is concealed).
          counts[String(s.ssrc)] = (k === 'video' ? s.framesDecoded : (s.totalSamplesReceived ?? 0) - (s.concealedSamples ?? 0)) ?? 0;
        });
      }
      return counts;
    }, kind);
  const before = await snapshot();
  await page.waitForTimeout(ms);
  const after = await snapshot();
  return Object.keys(after).filter((ssrc) => (after[ssrc] ?? 0) > (before[ssrc] ?? 0)).length;
}
