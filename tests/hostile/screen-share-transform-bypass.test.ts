import type { BrowserContext } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitForInboundMedia } from '../support/browser.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { tappedFrames, tappedMediaPackets } from '../support/sealed-frames.js';
import { framesOpenedBy } from '../support/sframe-attempt.js';
import { useTappedHarness } from '../support/tapped-harness.js';

/*
 * A page whose encrypting transform never runs for the shared screen (a
 * broken or tampered frame worker: it drops the screen's encoded streams and
 * handles everything else honestly). The screen share must not go out
 * unencrypted: the transform check closes it 3 s after it starts, the person
 * is told, and nothing of it reaches the router. A real browser shares a
 * real tab (see tests/e2e/screen-share.test.ts); a spy on the SFU sees the
 * producer from its creation.
 */

const WORKSHEET = 'Lembar kerja';

/** Appended to the served frame worker: the transform of a track whose id names a screen never reads a frame. */
const WORKER_IGNORES_SCREEN = `
;(() => {
  const ignored = (o) => o && o.operation === 'encrypt' && String(o.trackId).startsWith('send-screen-');
  const honest = self.onrtctransform;
  self.onrtctransform = (event) => {
    if (ignored(event.transformer.options)) return;
    honest.call(self, event);
  };
  const onmessage = self.onmessage;
  self.onmessage = (event) => {
    const m = event.data;
    if (m && m.kind === 'streams' && ignored(m.options)) return;
    onmessage.call(self, event);
  };
})();
`;

async function patchWorker(context: BrowserContext): Promise<void> {
  await withKeyCapture(context);
  await context.route('**/workers/frame-crypto.worker-*.js', async (route) => {
    const response = await route.fetch();
    await route.fulfill({ response, body: (await response.text()) + WORKER_IGNORES_SCREEN });
  });
}

describe('a screen share whose encrypting transform never runs', () => {
  const stage = useTappedHarness({ shareTabTitled: WORKSHEET });

  it('is closed by the transform check, the sharer told; nothing of it reaches the router, the camera goes on', { timeout: 180_000 }, async () => {
    const s = stage();
    const { host, client } = await s.h.sessionPair({ prepare: patchWorker });
    expect((await waitForInboundMedia(host.page)).videoFramesDecoded).toBeGreaterThan(0);

    const tab = await client.context.newPage();
    await tab.setContent(`<title>${WORKSHEET}</title><h1>Lembar kerja</h1>`);
    await client.page.bringToFront();
    await client.page.getByTestId('share-screen').click();

    const told = client.page.locator('[data-testid="share-ended"][data-why="not-encrypted"]');
    await told.waitFor({ timeout: 20_000 });
    expect(await told.textContent()).toContain('layar');
    // The share is over in the page: the capture ended, no sender carries it.
    await client.page.getByTestId('share-screen').waitFor();
    expect(await client.page.getByTestId('sharing-notice').count()).toBe(0);

    const screen = s.tap.producers.find((p) => p.producer.appData.source === 'screen');
    if (!screen) throw new Error('the patched page made no screen producer');
    await expect.poll(() => screen.producer.closed, { timeout: 15_000 }).toBe(true);
    // Chromium sent nothing from the stream nobody read; had it sent anything, it would have had to be sealed.
    const keys = [...(await capturedKeys(client.page)), ...(await capturedKeys(host.page))];
    const frames = tappedFrames(screen);
    expect(await framesOpenedBy(frames, keys)).toBe(frames.length);
    // The spy is a consumer of the producer from its creation: it got every packet the router forwarded.
    expect(tappedMediaPackets(screen)).toBe(0);
    await host.page.getByTestId('screen-stage').waitFor({ state: 'detached', timeout: 15_000 });

    // The camera and microphone, whose transforms run, were never stopped.
    expect(await client.page.getByTestId('not-sending').count()).toBe(0);
    expect((await waitForInboundMedia(host.page)).videoFramesDecoded).toBeGreaterThan(0);
    await tab.close();
  });
});
