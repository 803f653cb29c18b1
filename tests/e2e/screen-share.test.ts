import { demoAccounts } from '@care/server';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { waitForInboundMedia } from '../support/browser.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { tappedFrames } from '../support/sealed-frames.js';
import { encryptionState, seriousViolations } from '../support/session-flow.js';
import { framesOpenedBy, openFrames } from '../support/sframe-attempt.js';
import { decodeAsSpy, picturesOf } from '../support/spy-decoder.js';
import { useTappedHarness } from '../support/tapped-harness.js';

/*
 * Issue 16, "Screen share, encrypted like the camera". Chromium is told to
 * share the tab titled "Lembar kerja" (a worksheet page the test opens)
 * whenever the app asks for a screen; closing that tab ends the capture from
 * the browser's side, which is what the app sees when someone presses the
 * browser's own "stop sharing" (the track ends). A spy on the SFU sees every
 * producer from its first packet.
 */

const WORKSHEET = 'Lembar kerja';
const worksheet = `<title>${WORKSHEET}</title>
<body style="margin:0;background:#fffbe6;color:#222;font:40px sans-serif;padding:40px">
<h1>Lembar kerja: napas 4-7-8</h1><p>Tarik napas 4 hitungan, tahan 7, hembuskan 8.</p><p id="n">0</p>
<script>let i = 0; setInterval(() => { document.getElementById('n').textContent = String(i++); }, 200);</script></body>`;

/** The worksheet tab the browser will share, opened beside the app (which is brought back to the front). */
async function openWorksheet(context: BrowserContext, app: Page): Promise<Page> {
  const tab = await context.newPage();
  await tab.setContent(worksheet);
  await app.bringToFront();
  return tab;
}

/** The shared screen's picture is playing in this page: its size is known and its time moves. */
async function screenPlays(page: Page): Promise<{ width: number; height: number }> {
  const video = page.getByTestId('screen-video');
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.videoWidth), { timeout: 30_000 }).toBeGreaterThan(0);
  const before = await video.evaluate((v: HTMLVideoElement) => v.currentTime);
  await expect.poll(() => video.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 15_000 }).toBeGreaterThan(before);
  return video.evaluate((v: HTMLVideoElement) => ({ width: v.videoWidth, height: v.videoHeight }));
}

/**
 * The page seen on a phone (390 × 844 CSS pixels) while a share shows: the share spans the width, nothing scrolls
 * sideways, and `also` holds; then the page's own size again.
 */
async function onPhone(page: Page, also: () => Promise<void> = async () => {}): Promise<void> {
  const size = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await expect.poll(async () => (await page.getByTestId('screen-video').boundingBox())?.width ?? 0).toBeGreaterThan(300);
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await also();
  if (size) await page.setViewportSize(size);
}

/** The facilitator opens the member's tile menu (unless it is open) and presses the share permission, which reads `label`. */
async function toggleShareOfMember(page: Page, label: string): Promise<void> {
  const button = page.getByTestId('allow-share-one');
  if (!(await button.isVisible())) await page.getByTestId('tile-actions').click();
  await expect.poll(() => button.textContent()).toContain(label);
  await button.click();
}

async function groupKeys(pages: Page[]): Promise<string[]> {
  const keys = new Set<string>();
  for (const page of pages) for (const key of await capturedKeys(page)) keys.add(key);
  return [...keys];
}

describe('1:1: a worksheet shared by the client', () => {
  const stage = useTappedHarness({ shareTabTitled: WORKSHEET });

  it('is shown large on the other side with the camera small, sealed at the SFU, and its end from the browser is noticed', { timeout: 240_000 }, async () => {
    const s = stage();
    const { host, client } = await s.h.sessionPair({ prepare: withKeyCapture });
    expect((await waitForInboundMedia(host.page)).videoFramesDecoded).toBeGreaterThan(0);
    expect(await encryptionState(client.page)).toBe('encrypted');

    const tab = await openWorksheet(client.context, client.page);
    await client.page.getByTestId('share-screen').click();
    await client.page.getByTestId('sharing-notice').waitFor({ timeout: 30_000 });

    // The counselor sees the worksheet large, the client's camera small beside it.
    const shown = host.page.getByTestId('screen-stage');
    await shown.waitFor({ timeout: 30_000 });
    expect(await shown.getAttribute('data-name')).toBe(demoAccounts[1].displayName);
    const picture = await screenPlays(host.page);
    expect(picture.width).toBeGreaterThanOrEqual(640);
    const screenBox = await host.page.getByTestId('screen-video').boundingBox();
    const cameraBox = await host.page.getByTestId('remote-video').boundingBox();
    expect(screenBox && cameraBox && screenBox.width > 2 * cameraBox.width).toBe(true);
    await expect.poll(() => host.page.getByTestId('announcement').textContent()).toContain('mulai membagikan layar');
    expect(await seriousViolations(host.page)).toEqual([]);
    // On a phone-sized screen too: the share across the width, the camera small, nothing scrolls sideways.
    await onPhone(host.page, async () => {
      const phoneCamera = await host.page.getByTestId('remote-video').boundingBox();
      expect(phoneCamera && phoneCamera.width < 200).toBe(true);
    });
    // Past the transform check: the share keeps going, nobody is told it is not encrypted.
    await client.page.waitForTimeout(4000);
    expect(await client.page.getByTestId('share-ended').count()).toBe(0);

    // What the SFU forwards of the share: every frame, from the first, opens only with the group's keys.
    const tapped = s.tap.producers.find((p) => p.producer.appData.source === 'screen');
    if (!tapped) throw new Error('no screen producer reached the SFU');
    const keys = await groupKeys([host.page, client.page]);
    const frames = tappedFrames(tapped);
    expect(frames.length).toBeGreaterThan(10);
    expect(await framesOpenedBy(frames, keys)).toBe(frames.length);

    // A spy's real VP8 decoder gets no picture from them; the same frames opened with the keys decode (the control).
    const firstKey = frames.findIndex((f) => (f.bytes[0]! & 0x01) === 0);
    expect(firstKey).toBeGreaterThanOrEqual(0);
    const run = frames.slice(firstKey, firstKey + 20);
    const spy = await decodeAsSpy(host.page, run.map((f) => ({ key: (f.bytes[0]! & 0x01) === 0, bytes: f.bytes })));
    expect(spy.errors.length).toBeGreaterThan(0);
    const opened = await openFrames(run, keys);
    const control = await decodeAsSpy(host.page, opened.map((bytes) => ({ key: (bytes![0]! & 0x01) === 0, bytes: bytes! })));
    expect(control.errors).toEqual([]);
    expect(control.decoded.length).toBe(run.length);
    expect(control.decoded[0]?.width).toBe(picture.width);
    // Whatever the spy's decoder made of the sealed frames (mostly refusals, rarely noise) looks like none of the share's
    // pictures, which have enough in them for likeness to see (each is like the first).
    expect(picturesOf(control.decoded, [control.decoded[0]!.thumbnail])).toHaveLength(run.length);
    expect(picturesOf(spy.decoded, control.decoded.map((p) => p.thumbnail))).toEqual([]);

    // The browser ends the capture (the shared tab goes, as with its own "stop sharing"): noticed on both sides.
    await tab.close();
    await host.page.getByTestId('screen-stage').waitFor({ state: 'detached', timeout: 30_000 });
    await expect.poll(() => host.page.getByTestId('announcement').textContent()).toContain('berhenti membagikan layar');
    await expect.poll(() => tapped.producer.closed, { timeout: 15_000 }).toBe(true);
    await client.page.getByTestId('share-screen').waitFor();
    expect(await client.page.getByTestId('sharing-notice').count()).toBe(0);
    // The camera carries on after the share.
    expect((await waitForInboundMedia(host.page)).videoFramesDecoded).toBeGreaterThan(0);
  });
});

describe('circle: the facilitator shares, and lets a member share', () => {
  const stage = useTappedHarness({ shareTabTitled: WORKSHEET });

  it('a member shares only once allowed; withdrawing it closes the share at the SFU and tells the member', { timeout: 240_000 }, async () => {
    const s = stage();
    const account = demoAccounts.find((a) => a.role === 'asn');
    if (!account) throw new Error('no demo member');
    const facilitator = await s.h.openCircle(s.meetingId);
    const member = await s.h.admitToCircle(facilitator.page, account, s.meetingId);
    const memberPage = member.page;

    // The facilitator shares and stops by the button; the member sees it large meanwhile.
    const facilitatorTab = await openWorksheet(facilitator.context, facilitator.page);
    await facilitator.page.getByTestId('share-screen').click();
    await memberPage.getByTestId('screen-stage').waitFor({ timeout: 30_000 });
    await screenPlays(memberPage);
    await onPhone(memberPage);
    await facilitator.page.getByTestId('stop-share').click();
    await memberPage.getByTestId('screen-stage').waitFor({ state: 'detached', timeout: 30_000 });
    await facilitatorTab.close();

    // The member has no way to share until the facilitator allows it.
    expect(await memberPage.getByTestId('share-screen').count()).toBe(0);
    await toggleShareOfMember(facilitator.page, 'Izinkan berbagi layar');
    await memberPage.getByTestId('share-screen').waitFor({ timeout: 15_000 });
    await expect.poll(() => memberPage.getByTestId('announcement').textContent()).toContain('mengizinkan Anda membagikan layar');

    await openWorksheet(member.context, memberPage);
    await memberPage.getByTestId('share-screen').click();
    await facilitator.page.getByTestId('screen-stage').waitFor({ timeout: 30_000 });
    await screenPlays(facilitator.page);
    const room = s.h.t.platform.media.get(String((await s.h.t.platform.db.connection.collection('circle_meetings').findOne({}))?.roomId));
    const openScreens = () => [...(room?.producers() ?? [])].filter(({ producer }) => producer.appData.source === 'screen' && !producer.closed);
    expect(openScreens()).toHaveLength(1);

    // Withdrawn: closed at the SFU at once, gone from the facilitator's stage, the member told why.
    await toggleShareOfMember(facilitator.page, 'Hentikan izin berbagi layar');
    await memberPage.locator('[data-testid="share-ended"][data-why="withdrawn"]').waitFor({ timeout: 15_000 });
    expect(openScreens()).toHaveLength(0);
    await facilitator.page.getByTestId('screen-stage').waitFor({ state: 'detached', timeout: 30_000 });
    expect(await memberPage.getByTestId('share-screen').count()).toBe(0);
    expect(await seriousViolations(memberPage)).toEqual([]);
  });
});
