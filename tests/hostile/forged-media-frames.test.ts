import { demoAccounts } from '@care/server';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundMedia, waitForInboundMedia } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { encryptionState, openSession } from '../support/session-flow.js';
import { captureWorkerCounts, workerCounts, type WorkerTrackCounts } from '../support/worker-counts.js';

/*
 * A participant whose app is patched to send broken frames: after its frame
 * worker seals the microphone's frames honestly, every third one is swapped
 * for a forgery — a flipped tag, a header cut short, a KID and CTR of
 * 2^64 - 1, a header that is not minimal, nothing after the clear byte — and
 * goes through the real SFU to the other side. The honest receiver's frame
 * worker reads every frame itself (no pipe that one thrown frame could
 * break): it must drop each forgery, count it against its sender (or as
 * keyless), keep opening the honest frames of that track and of the others,
 * and tell the person whose media fails. The call stays end-to-end encrypted.
 */

const [counselor, asn] = demoAccounts;

/** Appended to the served frame worker: the microphone's sealed frames, every third one forged. */
const WORKER_FORGES_AUDIO = `
;(() => {
  const honest = self.onrtctransform;
  const forge = (sealed, n) => {
    const toc = sealed[0];
    const frame = (...bytes) => new Uint8Array([toc, ...bytes]).buffer;
    switch (n % 5) {
      case 0: { const copy = sealed.slice(); copy[copy.length - 1] ^= 0x01; return copy.buffer; }
      case 1: return frame(0xf0, 0x01, 0x02);
      case 2: return frame(0xff, ...new Array(16).fill(0xff), ...new Array(40).fill(0x5a));
      case 3: return frame(0x88, 0x00, 0x08, ...new Array(40).fill(0x5a));
      default: return frame();
    }
  };
  self.onrtctransform = (event) => {
    const t = event.transformer;
    if (t.options.operation !== 'encrypt' || t.options.codec !== 'opus') return honest.call(self, event);
    const writer = t.writable.getWriter();
    let n = 0;
    const writable = new WritableStream({
      write(frame) {
        n++;
        if (n % 3 === 0) frame.data = forge(new Uint8Array(frame.data), n / 3);
        return writer.write(frame);
      },
      close: () => writer.close(),
      abort: (reason) => writer.abort(reason),
    });
    honest.call(self, { transformer: { readable: t.readable, writable, options: t.options } });
  };
})();
`;

async function forgeAudio(context: BrowserContext): Promise<void> {
  await context.route('**/workers/frame-crypto.worker-*.js', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: (await response.text()) + WORKER_FORGES_AUDIO });
  });
}

// Tracks that carry something: the receiver that connected the transport in the lobby (receive-warm-up.ts) carries nothing.
const decrypting = (counts: WorkerTrackCounts[]) => counts.filter((c) => c.operation === 'decrypt' && c.frames + c.noKey + Object.keys(c.failuresByLeaf).length > 0);
const failed = (c: WorkerTrackCounts) => Object.values(c.failuresByLeaf).reduce((a, b) => a + b, 0);

let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start();
}, 120_000);

afterAll(() => h?.close());

describe('a participant sends forged and malformed frames through the SFU', () => {
  it('the receiver drops each one, keeps every track playing, names the sender, and the call stays encrypted', { timeout: 180_000 }, async () => {
    const host = await h.signIn(counselor.email, counselor.password, { prepare: forgeAudio });
    await openSession(host.page);
    const client = await h.signIn(asn.email, asn.password, { prepare: captureWorkerCounts });
    await openSession(client.page);
    await host.page.getByTestId('admit').click();
    await client.page.getByTestId('remote-video').waitFor();
    await waitForInboundMedia(client.page);

    // Forged audio frames arrive from the start: the person is told whose media fails.
    await client.page.getByRole('alert').filter({ hasText: counselor.displayName }).first().waitFor({ timeout: 30_000 });

    const before = decrypting(await workerCounts(client.page));
    const videoBefore = (await inboundMedia(client.page)).videoFramesDecoded;
    await client.page.waitForTimeout(6000);
    const after = decrypting(await workerCounts(client.page));
    const videoAfter = (await inboundMedia(client.page)).videoFramesDecoded;

    // Two tracks come in (the counselor's microphone and camera); every one keeps passing frames.
    expect(after).toHaveLength(2);
    for (const track of after) {
      const earlier = before.find((c) => c.trackId === track.trackId);
      expect(track.frames - (earlier?.frames ?? 0), `frames opened on ${track.trackId}`).toBeGreaterThan(30);
    }
    expect(videoAfter - videoBefore).toBeGreaterThan(30);

    // The microphone's track caught the forgeries: authentication failures of the counselor's leaf (0),
    // malformed frames (no sender to name), and frames under a KID nobody holds (dropped as keyless).
    const audio = after.find((c) => failed(c) > 0);
    if (!audio) throw new Error('no forged frame was caught');
    const audioBefore = before.find((c) => c.trackId === audio.trackId);
    expect(audio.failuresByLeaf['0'] ?? 0).toBeGreaterThan(audioBefore?.failuresByLeaf['0'] ?? 0);
    expect(audio.failuresByLeaf['-1'] ?? 0).toBeGreaterThan(audioBefore?.failuresByLeaf['-1'] ?? 0);
    expect(audio.noKey).toBeGreaterThan(audioBefore?.noKey ?? 0);
    // About one frame in three was forged (Opus: 50 a second): the honest two in three still open.
    const opened = audio.frames - (audioBefore?.frames ?? 0);
    const refused = failed(audio) + audio.noKey - (audioBefore ? failed(audioBefore) + audioBefore.noKey : 0);
    expect(opened).toBeGreaterThan(refused);
    // The camera's frames were left alone: none of them failed.
    const video = after.find((c) => c.trackId !== audio.trackId)!;
    expect(failed(video)).toBe(0);

    expect(await encryptionState(client.page)).toMatch(/^(encrypted|verified)$/);
    expect(await encryptionState(host.page)).toMatch(/^(encrypted|verified)$/);
  });
});
