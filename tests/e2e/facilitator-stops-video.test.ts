import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberPageJoins, startCircleMeeting, type CircleMeeting } from '../support/circle-meeting.js';
import { cameras, watchCameras } from '../support/camera-devices.js';
import { cameraPaused, theCameraOn } from '../support/room-cameras.js';
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
    page = await memberPageJoins(c, host, member, { prepare: watchCameras });
    // A circle starts with the camera off, and off means let go of: its light goes out once its producer is made.
    await expect.poll(async () => (await cameras(page)).live, { timeout: 10_000 }).toBe(0);
    await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
    await waitForVideoFrames(host);
    expect((await cameras(page)).live).toBe(1);
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
