import type { Page } from 'playwright-core';

/*
 * Where the time of an ICE restart goes, for the fault test's report: each
 * page's transports' state changes and network events (heard in the page,
 * stamped with the machine's clock, which the test shares), what the SFU
 * sees of each transport (polled here), and when each page decodes again.
 * It only watches: nothing here changes what the app does.
 */

export interface TimelineEvent {
  at: number;
  what: string;
}

/** Starts listening in a page: every RTCPeerConnection's ICE and connection state, `online`/`offline`, `navigator.connection` changes. */
export async function watchPage(page: Page, label: string): Promise<void> {
  await page.evaluate((who) => {
    const log: Array<{ at: number; what: string }> = [];
    (window as unknown as { __iceTimeline: typeof log }).__iceTimeline = log;
    const note = (what: string) => log.push({ at: Date.now(), what: `${who} ${what}` });
    const pcs = (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections;
    pcs.forEach((pc, i) => {
      if (pc.connectionState === 'closed') return;
      pc.addEventListener('iceconnectionstatechange', () => note(`pc${i} ice=${pc.iceConnectionState}`));
      pc.addEventListener('connectionstatechange', () => note(`pc${i} connection=${pc.connectionState}`));
      pc.addEventListener('icegatheringstatechange', () => note(`pc${i} gathering=${pc.iceGatheringState}`));
      pc.addEventListener('negotiationneeded', () => note(`pc${i} negotiationneeded`));
    });
    window.addEventListener('online', () => note('online'));
    window.addEventListener('offline', () => note('offline'));
    (navigator as unknown as { connection?: EventTarget }).connection?.addEventListener('change', () => note('navigator.connection change'));
  }, label);
}

export async function pageEvents(page: Page): Promise<TimelineEvent[]> {
  return page.evaluate(() => (window as unknown as { __iceTimeline?: Array<{ at: number; what: string }> }).__iceTimeline ?? []);
}

/** Video frames decoded by a page now (all its open peer connections). */
async function framesDecoded(page: Page): Promise<number> {
  return page.evaluate(async () => {
    let frames = 0;
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
      });
    }
    return frames;
  });
}

/**
 * Polls, every `intervalMs` until `stop()`: what `sample()` says (the SFU's
 * view of the moving client's transports) whenever it changes, and the first
 * new decoded frame of each page.
 */
export function pollTimeline(
  pages: Record<string, Page>,
  sample: () => string,
  intervalMs = 100,
): { events: TimelineEvent[]; stop: (graceMs?: number) => Promise<TimelineEvent[]> } {
  const events: TimelineEvent[] = [];
  let running = true;
  let last = '';
  const sfu = (async () => {
    while (running) {
      const now = sample();
      if (now !== last) events.push({ at: Date.now(), what: `sfu ${now}` });
      last = now;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  // Each page on its own loop, so a slow page does not hold the other's readings back.
  const watches = Object.entries(pages).map(async ([label, page]) => {
    // Frames decoded last, since when they stand still, and the count they stood still at.
    let frames = await framesDecoded(page);
    let since = Date.now();
    let stalledAt: number | undefined;
    while (running) {
      const now = await framesDecoded(page).catch(() => frames);
      if (now === frames) {
        if (stalledAt === undefined && Date.now() - since >= 400) {
          stalledAt = frames;
          events.push({ at: since, what: `${label} last frame before the stall` });
        }
      } else {
        if (stalledAt !== undefined && frames === stalledAt) events.push({ at: Date.now(), what: `${label} decodes again` });
        frames = now;
        since = Date.now();
        if (stalledAt !== undefined && frames >= stalledAt + 10) {
          events.push({ at: since, what: `${label} decoded 10 frames since` });
          return;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  });
  const loop = Promise.all([sfu, ...watches]);
  return {
    events,
    /** Stops once every page was seen decoding again (or after `graceMs` more). */
    stop: async (graceMs = 3000) => {
      const until = Date.now() + graceMs;
      while (Date.now() < until && events.filter((e) => e.what.endsWith('decoded 10 frames since')).length < Object.keys(pages).length) {
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
      running = false;
      await loop;
      return events;
    },
  };
}

/** The events in order, each as seconds after `from`. */
export function formatTimeline(from: number, events: readonly TimelineEvent[]): string {
  return [...events]
    .sort((a, b) => a.at - b.at)
    .map((e) => `  +${((e.at - from) / 1000).toFixed(2)}s ${e.what}`)
    .join('\n');
}
