import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCircleMeeting, type CircleMeeting } from '../support/circle-meeting.js';
import { cameras, watchCameras } from '../support/camera-devices.js';
import { encrypted } from '../support/group-view.js';
import { cameraPaused, cameraProducers, theCameraOn } from '../support/room-cameras.js';
import { seriousViolations } from '../support/session-flow.js';
import { videoFramesOver, waitForVideoFrames } from '../support/video-flow.js';

/*
 * The facilitator stops one member's video: the SFU holds that camera back
 * (its producer paused), the member's page says so and shows the camera
 * off, and nobody receives a picture of them any more. The camera is the
 * member's own: they may switch it on again (the host can only switch off).
 */
const [, , , member] = demoAccounts;
let c: CircleMeeting;
let host: Page;
let page: Page;

beforeAll(async () => {
  c = await startCircleMeeting();
});

afterAll(async () => {
  await c?.h.close();
});

let camera: string;

describe('the facilitator stops a member\'s video', () => {
  it('the member is seen, then stopped: held at the SFU, told on their page, and nobody decodes them', { timeout: 180_000 }, async () => {
    host = (await c.h.openCircle(c.meetingId)).page;
    ({ page } = await c.h.signIn(member.email, member.password, { prepare: watchCameras }));
    await page.goto(`/session/${c.meetingId}`);
    await page.getByTestId('consent-accept').click();
    // A circle starts with the camera off: its device check does not open the camera (no light, not even to
    // list it), the preview is dark; a preview is there for whoever asks for one, and closes again.
    await page.getByTestId('devices-ready').waitFor();
    expect(await cameras(page)).toEqual({ live: 0, opened: 0 });
    expect(await page.getByTestId('preview-video').evaluate((v) => getComputedStyle(v).visibility)).toBe('hidden');
    expect(await page.getByTestId('camera-preview').isChecked()).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByTestId('camera-preview').check();
    await expect.poll(() => cameras(page)).toEqual({ live: 1, opened: 1 });
    await expect.poll(() => page.getByTestId('preview-video').evaluate((v) => getComputedStyle(v).visibility)).toBe('visible');
    await page.getByTestId('camera-preview').uncheck();
    await expect.poll(() => cameras(page)).toEqual({ live: 0, opened: 1 });
    await page.getByTestId('devices-ready').click();
    await page.getByTestId('lobby').waitFor();
    await host.getByTestId('admit').first().click();
    await encrypted(page).waitFor({ timeout: 30_000 });
    // In the room it is off and let go of; nothing was made of it at the SFU.
    expect(await cameras(page)).toEqual({ live: 0, opened: 1 });
    expect(cameraProducers(c)).toEqual([]);
    await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
    await waitForVideoFrames(host);
    expect(await cameras(page)).toEqual({ live: 1, opened: 2 });
    camera = theCameraOn(c);

    await host.getByTestId('tile-actions').first().click();
    await host.getByTestId('stop-video-one').click();

    await page.getByTestId('moderated-notice').filter({ hasText: 'Fasilitator mematikan video Anda' }).waitFor();
    await page.getByRole('button', { name: 'Nyalakan kamera' }).waitFor();
    expect(cameraPaused(c, camera)).toBe(true);
    // Switched off by the host, the member's camera is let go of as by their own switch.
    await expect.poll(async () => (await cameras(page)).live, { timeout: 10_000 }).toBe(0);
    await host.waitForTimeout(1000);
    expect(await videoFramesOver(host, 2000)).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('the camera is the member\'s own: they may switch it on again, and are seen again', { timeout: 120_000 }, async () => {
    await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
    // The camera opens again first (it was let go of), then the SFU is told.
    await expect.poll(() => cameraPaused(c, camera), { timeout: 15_000 }).toBe(false);
    await waitForVideoFrames(host);
    expect((await cameras(page)).live).toBe(1);
    await page.getByTestId('moderated-notice').waitFor({ state: 'detached' });
  });
});
