import type { Page } from 'playwright-core';
import { BrowserHarness, type HarnessSignInOptions } from './browser-harness.js';

/** The demo circle's meeting that is open now, on a fresh harness. */
export interface CircleMeeting {
  h: BrowserHarness;
  meetingId: string;
  roomId: string;
}

export async function startCircleMeeting(): Promise<CircleMeeting> {
  const h = await BrowserHarness.start();
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

export const encrypted = (page: Page) => page.locator('[data-testid="encryption"][data-state="encrypted"]');

export const safetyCode = (page: Page) => page.getByTestId('safety-code').textContent();

/** Waits until the page shows this safety code. */
export async function showsCode(page: Page, code: string | null): Promise<void> {
  await page.waitForFunction((expected) => document.querySelector('[data-testid="safety-code"]')?.textContent === expected, code, { timeout: 30_000 });
}

/** Waits until all these pages show one and the same safety code (whichever epoch they settle on). */
export async function settleOnOneCode(pages: Page[]): Promise<string> {
  let codes: Array<string | null> = [];
  const agreed = async () => {
    codes = await Promise.all(pages.map((page) => page.getByTestId('safety-code').textContent({ timeout: 1000 }).catch(() => null)));
    return codes[0] !== null && codes.every((code) => code === codes[0]);
  };
  for (let waited = 0; !(await agreed()); waited += 250) {
    if (waited > 30_000) throw new Error(`the pages did not settle on one safety code: ${codes.join(' / ')}`);
    await pages[0]?.waitForTimeout(250);
  }
  return codes[0] ?? '';
}

/** Waits until the page shows this many key holders beside this many people, and this many unknown members. */
export async function keyHolders(page: Page, holders: number, people: number, unknown = 0): Promise<void> {
  await page.locator(`[data-testid="key-holders"][data-holders="${holders}"][data-people="${people}"][data-unknown="${unknown}"]`).waitFor({ timeout: 30_000 });
}

/** The room's group as the delivery service keeps it in Redis: the epoch, and the peer at each leaf. */
export async function groupOnServer(c: CircleMeeting): Promise<{ epoch: number; leaves: Array<string | undefined> }> {
  const group = await c.h.t.platform.redis.hgetall(`mls:${c.roomId}:group`);
  const leaves = JSON.parse(group.leaves ?? '[]') as Array<{ peerId: string } | null>;
  return { epoch: Number(group.epoch), leaves: leaves.map((leaf) => leaf?.peerId) };
}
