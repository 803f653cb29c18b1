import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';

export interface ChromiumOptions {
  /**
   * Frames per second of the fake camera. Chromium's default is 20, below the
   * 24 the app asks for; a benchmark of decoded frame rates needs more.
   */
  fakeCameraFps?: number;
  /**
   * Share a real tab when a page asks for a screen: the tab whose title is
   * this (checked with Chromium 156 here). Chromium's picker is skipped by
   * `--auto-select-tab-capture-source-by-title`; `--use-fake-ui-for-media-stream`
   * is left out then, since it would answer with a fake screen instead (an
   * animated test pattern, `screen:-3:0`, which nothing can end). Camera and
   * microphone stay the fake devices, allowed by the context's permissions.
   * Closing that tab ends the capture from the browser's side, as its own
   * "stop sharing" does: the track fires `ended`.
   */
  shareTabTitled?: string;
  /** Where Chromium runs, if not here (a wrapper that starts it in a network namespace). */
  executablePath?: string;
  /** More switches (a fake microphone's file, say). */
  extraArgs?: readonly string[];
}

/** Debian's Chromium with a fake camera and microphone: how every test launches it. */
export function chromiumLaunch(options: ChromiumOptions = {}): { executablePath: string; args: string[] } {
  return {
    executablePath: options.executablePath ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      options.fakeCameraFps === undefined ? '--use-fake-device-for-media-stream' : `--use-fake-device-for-media-stream=fps=${options.fakeCameraFps}`,
      ...(options.shareTabTitled ? [`--auto-select-tab-capture-source-by-title=${options.shareTabTitled}`] : ['--use-fake-ui-for-media-stream']),
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--autoplay-policy=no-user-gesture-required',
      ...(options.extraArgs ?? []),
    ],
  };
}

/** Debian's Chromium, driven by playwright-core; fake camera and microphone. */
export async function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  return chromium.launch(chromiumLaunch(options));
}

/**
 * A browser context whose pages remember every RTCPeerConnection they open,
 * so a test can read real getStats() numbers without any hook in the app.
 */
/**
 * Server pushes and request answers a test's pages dropped because they did
 * not match their schema (socket-subscription.ts and socket-client.ts say so
 * on the console, naming the event).
 * An honest server never causes one: protocol-conformance.ts fails any test
 * file that leaves one here; a test that lies on purpose takes its own out.
 */
export const droppedServerMessages: string[] = [];

export async function newMediaContext(browser: Browser, baseURL: string, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL, permissions: ['camera', 'microphone'], ...options });
  await recordPolicyViolations(context);
  context.on('console', (message) => {
    const dropped = /dropped a malformed server (?:message|answer): (\S+)/.exec(message.text());
    if (dropped?.[1]) droppedServerMessages.push(dropped[1]);
  });
  await context.addInitScript(() => {
    const seen: RTCPeerConnection[] = [];
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = seen;
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(...args: ConstructorParameters<typeof RTCPeerConnection>) {
        super(...args);
        seen.push(this);
      }
    };
  });
  return context;
}

export interface InboundMedia {
  videoFramesDecoded: number;
  videoPacketsReceived: number;
  audioPacketsReceived: number;
}

export async function inboundMedia(page: Page): Promise<InboundMedia> {
  return page.evaluate(async () => {
    const result = { videoFramesDecoded: 0, videoPacketsReceived: 0, audioPacketsReceived: 0 };
    for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      stats.forEach((s: { type: string; kind?: string; ssrc?: number; framesDecoded?: number; packetsReceived?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        // mediasoup's bandwidth probation stream (padding only, SSRC 1234) is not media.
        if (s.ssrc === 1234) return;
        if (s.kind === 'video') {
          result.videoFramesDecoded += s.framesDecoded ?? 0;
          result.videoPacketsReceived += s.packetsReceived ?? 0;
        }
        if (s.kind === 'audio') result.audioPacketsReceived += s.packetsReceived ?? 0;
      });
    }
    return result;
  });
}

/** How much media arrived in a page over `ms`: decoded video frames, and RTP packets of video and audio (what the SFU forwards). */
export async function flowOver(page: Page, ms: number): Promise<{ decoded: number; video: number; audio: number }> {
  const before = await inboundMedia(page);
  await page.waitForTimeout(ms);
  const after = await inboundMedia(page);
  return {
    decoded: after.videoFramesDecoded - before.videoFramesDecoded,
    video: after.videoPacketsReceived - before.videoPacketsReceived,
    audio: after.audioPacketsReceived - before.audioPacketsReceived,
  };
}

/** Polls the real inbound statistics until video frames were decoded and audio packets arrived. */
export async function waitForInboundMedia(page: Page, timeoutMs = 30_000): Promise<InboundMedia> {
  const deadline = Date.now() + timeoutMs;
  let last: InboundMedia = { videoFramesDecoded: 0, videoPacketsReceived: 0, audioPacketsReceived: 0 };
  while (Date.now() < deadline) {
    last = await inboundMedia(page);
    if (last.videoFramesDecoded > 0 && last.audioPacketsReceived > 0) return last;
    await page.waitForTimeout(500);
  }
  return last;
}

export interface PolicyViolation {
  directive: string;
  blocked: string;
  sample: string;
  /** Where it happened: a file of ours, or the page itself. */
  source: string;
}

/**
 * Keeps every Content-Security-Policy violation a page of this context sees
 * (the app's own included) in `window.__cspViolations`, for `policyViolations`.
 */
export async function recordPolicyViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    const seen: Array<{ directive: string; blocked: string; sample: string; source: string }> = [];
    (window as unknown as { __cspViolations: typeof seen }).__cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push({ directive: event.effectiveDirective, blocked: event.blockedURI, sample: event.sample, source: `${event.sourceFile}:${event.lineNumber}:${event.columnNumber}` });
    });
  });
}

/** The policy violations this page has seen since it loaded. */
export async function policyViolations(page: Page): Promise<PolicyViolation[]> {
  return page.evaluate(() => (window as unknown as { __cspViolations?: PolicyViolation[] }).__cspViolations ?? []);
}
