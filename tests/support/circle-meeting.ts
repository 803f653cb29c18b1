import type { Page } from 'playwright-core';
import type { ChromiumOptions } from './browser.js';
import { BrowserHarness, type HarnessSignInOptions } from './browser-harness.js';
import { encrypted } from './group-view.js';

/** The demo circle's meeting that is open now, on a fresh harness. */
export interface CircleMeeting {
  h: BrowserHarness;
  meetingId: string;
  roomId: string;
}

export async function startCircleMeeting(env: Record<string, string> = {}, chromium: ChromiumOptions = {}): Promise<CircleMeeting> {
  const h = await BrowserHarness.start(env, {}, chromium);
  const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
  return { h, meetingId: String(meeting?._id), roomId: String(meeting?.roomId) };
}

/** A member signs in, opens the meeting, waits in the lobby, and the host's page admits them. */
export async function memberPageJoins(
  c: CircleMeeting,
  host: Page,
  account: { email: string; password: string },
  options: HarnessSignInOptions = {},
): Promise<Page> {
  const { page } = await c.h.signIn(account.email, account.password, options);
  await page.goto(`/session/${c.meetingId}`);
  await page.getByTestId('consent-accept').click();
  await page.getByTestId('devices-ready').click();
  await page.getByTestId('lobby').waitFor();
  await host.getByTestId('admit').first().click();
  await encrypted(page).waitFor({ timeout: 30_000 });
  return page;
}

/** The room's group as the delivery service keeps it in Redis: the epoch, and the peer at each leaf. */
export async function groupOnServer(c: CircleMeeting): Promise<{ epoch: number; leaves: Array<string | undefined> }> {
  const group = await c.h.t.platform.redis.hgetall(`mls:${c.roomId}:group`);
  const leaves = JSON.parse(group.leaves ?? '[]') as Array<{ peerId: string } | null>;
  return { epoch: Number(group.epoch), leaves: leaves.map((leaf) => leaf?.peerId) };
}

/**
 * A member goes in as a new user would: "Kelompok dukungan" in the menu, the
 * meeting's "Masuk", the confidentiality note (first time), the device check,
 * and waits in the lobby. `press`: a desk's click or a phone's tap.
 */
export async function knockFromCirclesPage(page: Page, meetingId: string, press: 'click' | 'tap'): Promise<void> {
  await page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name: 'Kelompok dukungan', exact: true })[press]();
  await page.locator(`[data-testid="circle-meeting"][data-meeting-id="${meetingId}"]`).getByTestId('enter-meeting')[press]();
  await page.getByTestId('consent-accept').or(page.getByTestId('devices-ready')).waitFor();
  if (await page.getByTestId('consent-accept').isVisible()) await page.getByTestId('consent-accept')[press]();
  await page.getByTestId('devices-ready')[press]();
  await page.getByTestId('lobby').waitFor();
}
