import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestAccount } from '../integration/circles/circles-client.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { circleOfPeople, openCirclePage } from '../support/circle-of-people.js';
import { encrypted } from '../support/group-view.js';
import { decodedStreams as flowing } from '../support/decoded-streams.js';
import { cpuWatch } from '../support/process-usage.js';
import { HeadlessMedia, recordClip } from '../support/headless-media.js';
import { ProtocolPeer } from '../support/protocol-peer.js';
import { nextEvent } from '../support/test-platform.js';

/*
 * A full circle: the facilitator and 19 members, 20 people. Three are real
 * Chromium pages (cameras at 160×120, so the machine holds them); seventeen
 * are headless participants (real socket.io connections with real session
 * cookies, the app's own MLS and SFrame code) that take their seats, join
 * the MLS group and send media. Every page then holds the group of 20
 * and decodes the audio and video of all nineteen others — the headless
 * members' too: real VP8 and Opus sealed with SFrame under their own MLS
 * keys (headless-media.ts) — and shows the same active speaker; the
 * server's CPU and memory over the call are printed.
 */
const PAGES = 3;
const PEOPLE = 20;
let h: BrowserHarness;
let facilitator: TestAccount;
let members: TestAccount[];
let meetingId: string;
const pages: Page[] = [];
const headless: ProtocolPeer[] = [];
const senders: HeadlessMedia[] = [];
let roomId: string;

beforeAll(async () => {
  h = await BrowserHarness.start();
  ({ facilitator, members, meetingId, roomId } = await circleOfPeople(h, PEOPLE, 'circle20'));
}, 120_000);

afterAll(async () => {
  for (const sender of senders) sender.stop();
  for (const peer of headless) peer.close();
  await h?.close();
});

const openPage = (account: TestAccount) => openCirclePage(h, account, meetingId);

describe('a circle of twenty', () => {
  it('3 pages and 17 headless members in one MLS group; every page decodes all 19 others\' audio and video and agrees on the speaker; server CPU and memory printed', { timeout: 420_000 }, async () => {
    const host = await openPage(facilitator);
    await host.getByTestId('circle-grid').waitFor({ timeout: 60_000 });
    pages.push(host);
    for (const member of members.slice(0, PAGES - 1)) {
      const page = await openPage(member);
      await page.getByTestId('lobby').waitFor();
      await host.getByTestId('admit').first().click();
      await encrypted(page).waitFor({ timeout: 60_000 });
      pages.push(page);
    }

    for (const member of members.slice(PAGES - 1)) {
      const peer = await ProtocolPeer.open(h.t.url, member.cookie);
      headless.push(peer);
      expect((await peer.request('lobby:knock', { sessionId: meetingId })).ok).toBe(true);
    }
    const admitted = headless.map((peer) => nextEvent(peer.socket, 'lobby:admitted', 30_000));
    await host.getByTestId('admit-all').click();
    await Promise.all(admitted);
    const room = h.t.platform.media.get(roomId);
    if (!room) throw new Error('the meeting has no media room');
    for (const [i, peer] of headless.entries()) {
      await peer.join(meetingId, { audio: true, video: true });
      await peer.receiveMedia();
      senders.push(await HeadlessMedia.attach(room, peer, 50_000 + i * 100));
      await peer.startMls();
    }

    // Everyone holds the group of twenty: the pages say so, and each headless member counts twenty.
    for (const page of pages) {
      await page.locator(`[data-testid="key-holders"][data-holders="${PEOPLE}"][data-people="${PEOPLE}"][data-unknown="0"]`).waitFor({ timeout: 120_000 });
    }
    await expect.poll(() => headless.map((peer) => peer.groupSize()), { timeout: 120_000, interval: 1000 }).toEqual(headless.map(() => PEOPLE));
    expect(headless.flatMap((peer) => peer.failures())).toEqual([]);

    // Cameras on (circles start with them off), the headless members' frames flowing; CPU is measured over the call.
    for (const page of pages) await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
    const clip = await recordClip(host);
    for (const sender of senders) sender.start(clip);
    const pool = h.t.platform.pool.leastLoaded();
    const usage = cpuWatch({ server: process.pid, sfu: pool.worker.pid });
    for (const page of pages) {
      await expect.poll(() => flowing(page, 'audio', 2000), { timeout: 90_000, interval: 500 }).toBe(PEOPLE - 1);
      await expect.poll(() => flowing(page, 'video', 2000), { timeout: 90_000, interval: 500 }).toBe(PEOPLE - 1);
      await encrypted(page).waitFor();
    }
    // One active speaker, the same on every page (chosen by the SFU from the audio levels; the speaker's own page marks its own tile).
    const speakers = () => Promise.all(pages.map((page) => page.locator('[data-speaking="true"]').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-name')).join(','))));
    await expect.poll(async () => {
      const names = await speakers();
      return names.every((name) => name !== '' && !name.includes(',') && name === names[0]);
      // The SFU's choice reaches each page on its own path: under a loaded machine they agree a moment later.
    }, { timeout: 90_000, interval: 500 }).toBe(true);
    const used = usage();
    console.log(
      `circle20: pages=${PAGES} headless=${headless.length} server_cpu_pct=${used.server?.cpuPct} server_rss_mb=${used.server?.rssMb} ` +
        `sfu_worker_cpu_pct=${used.sfu?.cpuPct} sfu_worker_rss_mb=${used.sfu?.rssMb} (server process includes the headless members' MLS)`,
    );
  });
});
