import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserHarness } from '../support/browser-harness.js';
import { knockFromCirclesPage, startCircleMeeting } from '../support/circle-meeting.js';
import { encrypted } from '../support/group-view.js';
import { horizontalOverflow, newPhoneContext, phoneScreenshot, signInByTouch, smallTouchTargets } from '../support/phone.js';
import { seriousViolations } from '../support/session-flow.js';

/*
 * A support circle with one member on a phone (390×844, touch) and the
 * facilitator and three members at desks, all cameras on: the phone shows at
 * most four video tiles (its own among them), the active speaker's first, and
 * everyone else as a list that says who they are, whether their microphone is
 * on and whether their hand is up. The SFU is told not to send the video of
 * people in the list: the phone receives the tiles' video and not theirs, and
 * when someone in the list speaks, their tile comes first and their video
 * starts.
 */
const [facilitator] = demoAccounts;
const [phoneMember, ...deskMembers] = demoAccounts.filter((a) => a.role === 'asn');
let h: BrowserHarness;
let meetingId: string;
/** Each page by the name the others see (the facilitator's name, members' pseudonyms). */
const byName = new Map<string, Page>();
let phone: Page;
let host: Page;

beforeAll(async () => {
  ({ h, meetingId } = await startCircleMeeting());
});
afterAll(() => h?.close());

const ownName = (page: Page) => page.getByTestId('tile-self').getAttribute('data-name');
const tileNames = (page: Page) => page.locator('[data-testid="circle-grid"] > li').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-name')));
const listedNames = (page: Page) => page.getByTestId('listed-participant').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));

interface Received {
  packets: number;
  frames: number;
}

/**
 * Video the phone received from each person over `ms`, by name: packets, and
 * frames decrypted and decoded. The tiles' video elements and the list's
 * audio elements hold each person's stream, whose video track is the
 * consumer's; getStats counts for it.
 */
async function videoByName(page: Page, ms: number): Promise<Record<string, Received>> {
  const snapshot = () =>
    page.evaluate(async () => {
      const trackOwner = new Map<string, string>();
      for (const element of Array.from(document.querySelectorAll<HTMLElement>('[data-testid="tile-remote"], [data-testid="listed-participant"]'))) {
        const media = element.querySelector<HTMLMediaElement>('video, audio');
        const stream = media?.srcObject instanceof MediaStream ? media.srcObject : undefined;
        for (const track of stream?.getVideoTracks() ?? []) trackOwner.set(track.id, element.getAttribute('data-name') ?? '');
      }
      const received: Record<string, { packets: number; frames: number }> = {};
      for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
        if (pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((s: { type: string; kind?: string; trackIdentifier?: string; packetsReceived?: number; framesDecoded?: number }) => {
          const owner = s.type === 'inbound-rtp' && s.kind === 'video' ? trackOwner.get(s.trackIdentifier ?? '') : undefined;
          if (owner === undefined) return;
          const sum = (received[owner] ??= { packets: 0, frames: 0 });
          sum.packets += s.packetsReceived ?? 0;
          sum.frames += s.framesDecoded ?? 0;
        });
      }
      return received;
    });
  const before = await snapshot();
  await page.waitForTimeout(ms);
  const after = await snapshot();
  return Object.fromEntries(
    Object.entries(after).map(([name, { packets, frames }]) => [name, { packets: packets - (before[name]?.packets ?? 0), frames: frames - (before[name]?.frames ?? 0) }]),
  );
}

/** Waits (generously: four cameras on two shared cores) until the tiles' videos arrive and are shown, and the list's do not arrive. */
async function onlyTilesReceived(page: Page, tiles: string[], listed: string[]): Promise<Record<string, Received>> {
  const deadline = Date.now() + 60_000;
  let last: Record<string, Received> = {};
  while (Date.now() < deadline) {
    last = await videoByName(page, 3000);
    const shown = tiles.every((name) => (last[name]?.packets ?? 0) > 10 && (last[name]?.frames ?? 0) > 0);
    if (shown && listed.every((name) => (last[name]?.packets ?? 0) === 0)) return last;
  }
  return last;
}

describe('a support circle on a phone', () => {
  it('the facilitator and three members at desks, cameras on, quiet; the member on the phone enters through "Masuk"', { timeout: 300_000 }, async () => {
    ({ page: host } = await h.openCircle(meetingId));
    byName.set(facilitator.displayName, host);
    for (const account of deskMembers) {
      const { page } = await h.admitToCircle(host, account, meetingId);
      byName.set((await ownName(page)) ?? '', page);
    }
    // The desks fall quiet and show their cameras before the phone comes: nobody there is the speaker.
    for (const page of byName.values()) await page.getByRole('button', { name: 'Matikan mikrofon' }).click();
    for (const page of byName.values()) await page.getByRole('button', { name: 'Nyalakan kamera' }).click();

    const context = h.track(await newPhoneContext(h.browser, h.baseUrl));
    phone = await context.newPage();
    await phone.goto('/');
    await signInByTouch(phone, phoneMember!);
    await knockFromCirclesPage(phone, meetingId, 'tap');
    await host.getByTestId('admit').click();
    await encrypted(phone).waitFor({ timeout: 60_000 });
    await phone.locator('[data-testid="circle-grid"][data-count="5"]').waitFor({ timeout: 60_000 });
    await phone.getByRole('button', { name: 'Matikan mikrofon' }).tap();
  });

  it('shows at most four tiles, its own among them, and lists everyone else with their microphone and hand', { timeout: 180_000 }, async () => {
    await phone.getByTestId('circle-list').waitFor();
    const tiles = await tileNames(phone);
    const listed = await listedNames(phone);
    expect(tiles).toHaveLength(4);
    expect(await phone.getByTestId('tile-self').count()).toBe(1);
    expect(listed).toHaveLength(1);
    expect([...tiles, ...listed].sort()).toEqual([...byName.keys(), await ownName(phone)].sort());
    const [inList] = listed as [string];
    const row = phone.locator(`[data-testid="listed-participant"][data-name="${inList}"]`);
    expect(await row.getAttribute('data-mic')).toBe('false');
    expect(await row.textContent()).toContain('mikrofon mati');
    await byName.get(inList)!.getByTestId('raise-hand').click();
    await phone.locator(`[data-testid="listed-participant"][data-name="${inList}"][data-hand="true"]`).waitFor();
    expect(await row.textContent()).toContain('mengangkat tangan');

    // The tiles' videos arrive; the listed person's is held back at the SFU.
    const remoteTiles = tiles.filter((name): name is string => name !== null && byName.has(name));
    expect(remoteTiles).toHaveLength(3);
    const received = await onlyTilesReceived(phone, remoteTiles, [inList]);
    for (const name of remoteTiles) {
      expect(received[name]?.packets, `video packets from ${name}`).toBeGreaterThan(10);
      expect(received[name]?.frames, `video frames from ${name}`).toBeGreaterThan(0);
    }
    expect(received[inList]?.packets ?? 0, `video from ${inList}, listed`).toBe(0);

    expect(await horizontalOverflow(phone)).toBe(0);
    expect(await smallTouchTargets(phone)).toEqual([]);
    expect(await seriousViolations(phone)).toEqual([]);
    await phoneScreenshot(phone, 'circle-list');
    await phoneScreenshot(phone, 'circle-screen', false);
    // At a desk nothing changes: every tile, the facilitator first.
    expect(await host.locator('[data-testid="circle-grid"] > li').count()).toBe(5);
    expect(await host.getByTestId('circle-list').count()).toBe(0);
  });

  it('when someone in the list speaks, their tile comes first and their video starts; another goes to the list', { timeout: 180_000 }, async () => {
    const [before] = (await listedNames(phone)) as [string];
    await byName.get(before)!.getByRole('button', { name: 'Nyalakan mikrofon' }).click();
    await phone.locator(`[data-testid="circle-grid"] > li:first-child[data-name="${before}"][data-speaking="true"]`).waitFor({ timeout: 60_000 });
    expect(await tileNames(phone)).toHaveLength(4);
    const [nowListed] = (await listedNames(phone)) as [string];
    expect(nowListed).toBeDefined();
    expect(nowListed).not.toBe(before);
    const received = await onlyTilesReceived(phone, [before], [nowListed]);
    // Decrypted and decoded at once: the SFU asks for a key frame when it starts a paused video.
    expect(received[before]?.packets, `video packets from ${before}, now speaking`).toBeGreaterThan(10);
    expect(received[before]?.frames, `video frames from ${before}, now speaking`).toBeGreaterThan(0);
    expect(received[nowListed]?.packets ?? 0, `video from ${nowListed}, now listed`).toBe(0);
    await phoneScreenshot(phone, 'circle-speaker-first', false);
  });
});
