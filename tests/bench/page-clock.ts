import type { Page } from 'playwright-core';

/*
 * Moments seen inside pages, on one clock: every time here is wall-clock
 * milliseconds (performance.timeOrigin + performance.now(), sub-millisecond,
 * the same clock as the server's Date.now() on this machine), so a click on
 * one page and a frame shown on another can be subtracted.
 */

/** A moment a page will report once it happens. */
export interface PageMoment {
  /** Wall-clock milliseconds of the moment. */
  readonly at: Promise<number>;
}

/**
 * Starts watching for the first frame of remote video presented on screen
 * (requestVideoFrameCallback on the app's `remote-video`), skipping a video
 * whose track is `notTrackId` (the picture from before a reconnect).
 */
export async function firstRemoteFrame(page: Page, notTrackId?: string): Promise<PageMoment> {
  const key = `__firstFrame${Math.random().toString(36).slice(2)}`;
  await page.evaluate(
    ({ key, notTrackId }) => {
      (window as unknown as Record<string, Promise<number>>)[key] = new Promise<number>((resolve) => {
        const watched = new WeakSet<HTMLVideoElement>();
        const watch = () => {
          for (const video of document.querySelectorAll<HTMLVideoElement>('[data-testid="remote-video"]')) {
            const track = (video.srcObject as MediaStream | null)?.getVideoTracks()[0];
            if (!track || track.id === notTrackId || watched.has(video)) continue;
            watched.add(video);
            const ownTrack = track.id;
            const onFrame = (now: number) => {
              // The element may have been given another stream since (a participant re-rendered).
              if ((video.srcObject as MediaStream | null)?.getVideoTracks()[0]?.id === ownTrack) resolve(performance.timeOrigin + now);
              else watched.delete(video);
            };
            video.requestVideoFrameCallback(onFrame);
          }
          requestAnimationFrame(watch);
        };
        watch();
      });
    },
    { key, notTrackId },
  );
  return { at: page.evaluate((k) => (window as unknown as Record<string, Promise<number>>)[k] as Promise<number>, key) };
}

/** The id of the remote video track on screen now, if any. */
export function remoteVideoTrackId(page: Page): Promise<string | undefined> {
  return page.evaluate(
    () => (document.querySelector<HTMLVideoElement>('[data-testid="remote-video"]')?.srcObject as MediaStream | null)?.getVideoTracks()[0]?.id,
  );
}

/**
 * Starts watching until audio from `senders` different senders is being
 * decoded on this page: inbound audio streams (by SSRC, from getStats) whose
 * samples decoded from received frames (received less concealed) have grown
 * since the watch began. With end-to-end encryption a frame reaches the
 * decoder only once decrypted, so this is "decrypting every other's audio".
 */
export async function audioDecodedFrom(page: Page, senders: number): Promise<PageMoment> {
  const key = `__audioFrom${Math.random().toString(36).slice(2)}`;
  await page.evaluate(
    async ({ key, senders }) => {
      const decoded = async (): Promise<Map<number, number>> => {
        const bySsrc = new Map<number, number>();
        for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
          if (pc.connectionState === 'closed') continue;
          (await pc.getStats()).forEach((s: { type: string; kind?: string; ssrc?: number; totalSamplesReceived?: number; concealedSamples?: number }) => {
            if (s.type === 'inbound-rtp' && s.kind === 'audio' && s.ssrc !== undefined) {
              bySsrc.set(s.ssrc, (s.totalSamplesReceived ?? 0) - (s.concealedSamples ?? 0));
            }
          });
        }
        return bySsrc;
      };
      const before = await decoded();
      (window as unknown as Record<string, Promise<number>>)[key] = new Promise<number>((resolve) => {
        const poll = async () => {
          let growing = 0;
          for (const [ssrc, samples] of await decoded()) if (samples > (before.get(ssrc) ?? 0)) growing++;
          if (growing >= senders) resolve(performance.timeOrigin + performance.now());
          else setTimeout(() => void poll(), 40);
        };
        void poll();
      });
    },
    { key, senders },
  );
  return { at: page.evaluate((k) => (window as unknown as Record<string, Promise<number>>)[k] as Promise<number>, key) };
}

/** Clicks the element from inside the page (no driver round trip in the timing) and returns when, wall clock. */
export function clickNow(page: Page, selector: string): Promise<number> {
  return page.evaluate((selector) => {
    const element = document.querySelector<HTMLElement>(selector);
    if (!element) throw new Error(`nothing matches ${selector}`);
    const at = performance.timeOrigin + performance.now();
    element.click();
    return at;
  }, selector);
}
