import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { encrypted } from '../support/group-view.js';
import { horizontalOverflow, newPhoneContext, phoneScreenshot, smallTouchTargets } from '../support/phone.js';
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
  h = await BrowserHarness.start();
  const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
  meetingId = String(meeting?._id);
});
afterAll(() => h?.close());

const ownName = (page: Page) => page.getByTestId('tile-self').getAttribute('data-name');
const tileNames = (page: Page) => page.locator('[data-testid="circle-grid"] > li').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-name')));
const listedNames = (page: Page) => page.getByTestId('listed-participant').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));

/**
 * Video packets the phone received from each person over `ms`, by name: the
 * tiles' video elements and the list's audio elements hold each person's
 * stream, whose video track is the consumer's; getStats counts its packets.
 */
async function videoPacketsByName(page: Page, ms: number): Promise<Record<string, number>> {
  const snapshot = () =>
    page.evaluate(async () => {
      const trackOwner = new Map<string, string>();
      for (const element of Array.from(document.querySelectorAll<HTMLElement>('[data-testid="tile-remote"], [data-testid="listed-participant"]'))) {
        const media = element.querySelector<HTMLMediaElement>('video, audio');
        const stream = media?.srcObject instanceof MediaStream ? media.srcObject : undefined;
        for (const track of stream?.getVideoTracks() ?? []) trackOwner.set(track.id, element.getAttribute('data-name') ?? '');
      }
      const packets: Record<string, number> = {};
      for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
        if (pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((s: { type: string; kind?: string; trackIdentifier?: string; packetsReceived?: number }) => {
          const owner = s.type === 'inbound-rtp' && s.kind === 'video' ? trackOwner.get(s.trackIdentifier ?? '') : undefined;
          if (owner !== undefined) packets[owner] = (packets[owner] ?? 0) + (s.packetsReceived ?? 0);
        });
      }
      return packets;
    });
  const before = await snapshot();
  await page.waitForTimeout(ms);
  const after = await snapshot();
  return Object.fromEntries(Object.entries(after).map(([name, count]) => [name, count - (before[name] ?? 0)]));
}

/** Waits (generously: four cameras on two shared cores) until the tiles' videos arrive and the list's do not. */
async function onlyTilesReceived(page: Page, tiles: string[], listed: string[]): Promise<Record<string, number>> {
  const deadline = Date.now() + 60_000;
  let last: Record<string, number> = {};
  while (Date.now() < deadline) {
    last = await videoPacketsByName(page, 3000);
    if (tiles.every((name) => (last[name] ?? 0) > 10) && listed.every((name) => (last[name] ?? 0) === 0)) return last;
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
    await phone.getByLabel('Email').tap();
    await phone.getByLabel('Email').fill(phoneMember!.email);
    await phone.getByLabel('Kata sandi').tap();
    await phone.getByLabel('Kata sandi').fill(phoneMember!.password);
    await phone.getByRole('button', { name: 'Masuk' }).tap();
    await phone.waitForURL('**/appointments');
    await phone.getByRole('link', { name: 'Kelompok dukungan', exact: true }).tap();
    await phone.locator(`[data-testid="circle-meeting"][data-meeting-id="${meetingId}"]`).getByTestId('enter-meeting').tap();
    await phone.getByTestId('consent-accept').tap();
    await phone.getByTestId('devices-ready').tap();
    await phone.getByTestId('lobby').waitFor();
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
    for (const name of remoteTiles) expect(received[name], `video from ${name}`).toBeGreaterThan(10);
    expect(received[inList], `video from ${inList}, listed`).toBe(0);

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
    expect(received[before], `video from ${before}, now speaking`).toBeGreaterThan(10);
    expect(received[nowListed], `video from ${nowListed}, now listed`).toBe(0);
    await phoneScreenshot(phone, 'circle-speaker-first', false);
  });
});
