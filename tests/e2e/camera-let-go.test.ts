import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { cameras, watchCameras } from '../support/camera-devices.js';
import { seriousViolations } from '../support/session-flow.js';
import { videoFramesOver, waitForVideoFrames } from '../support/video-flow.js';

/*
 * "Camera off" means the camera is off: the device is let go of (its light
 * goes out, a phone stops capturing), not just a disabled track that keeps
 * the camera open and its light on, which would tell someone in a counseling
 * session they may still be seen. Switched on again, the camera opens anew
 * and the other side sees an encrypted picture again. The panic cover lets
 * go of it too.
 */
let h: BrowserHarness;
let host: Page;
let client: Page;

beforeAll(async () => {
  h = await BrowserHarness.start();
  const pair = await h.sessionPair({ prepare: watchCameras });
  host = pair.host.page;
  client = pair.client.page;
}, 180_000);

afterAll(() => h?.close());

describe('the camera switch lets go of the camera', () => {
  it('off: the camera track ends and the other side is told; on: a new one opens and is seen, encrypted', { timeout: 120_000 }, async () => {
    await waitForVideoFrames(host);
    expect((await cameras(client)).live).toBe(1);

    await client.getByRole('button', { name: 'Matikan kamera' }).click();
    await expect.poll(async () => (await cameras(client)).live, { timeout: 10_000 }).toBe(0);
    await host.getByTestId('remote-camera-off').waitFor({ timeout: 15_000 });
    await host.waitForTimeout(1000);
    expect(await videoFramesOver(host, 2000)).toBe(0);
    // The own tile shows no frozen last picture.
    expect(await client.getByTestId('local-video').evaluate((v) => getComputedStyle(v).visibility)).toBe('hidden');

    const opened = (await cameras(client)).opened;
    await client.getByRole('button', { name: 'Nyalakan kamera', exact: true }).click();
    await host.getByTestId('remote-camera-off').waitFor({ state: 'detached', timeout: 15_000 });
    await waitForVideoFrames(host);
    expect(await cameras(client)).toEqual({ live: 1, opened: opened + 1 });
    expect(await client.getByTestId('local-video').evaluate((v) => getComputedStyle(v).visibility)).toBe('visible');
    // The new camera goes through the encrypting transform: its check has had time to judge, and found it sealing.
    await client.waitForTimeout(5000);
    expect(await client.getByTestId('not-sending').count()).toBe(0);
    expect(await videoFramesOver(host, 2000)).toBeGreaterThan(0);
    expect(await seriousViolations(client)).toEqual([]);
  });

  it('the panic cover lets go of the camera at once, and coming back opens it again', { timeout: 60_000 }, async () => {
    await client.keyboard.press('Escape');
    await client.getByTestId('panic-cover').waitFor();
    await expect.poll(async () => (await cameras(client)).live, { timeout: 10_000 }).toBe(0);
    await client.keyboard.press('Escape');
    await client.getByTestId('panic-cover').waitFor({ state: 'detached' });
    await expect.poll(async () => (await cameras(client)).live, { timeout: 10_000 }).toBe(1);
    await waitForVideoFrames(host);
  });
});
