import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { openSessionById } from '../support/session-flow.js';

/*
 * The MLS committer (the lowest leaf: the facilitator, who opened the room)
 * stops committing — its signing hangs, as in a frozen or broken tab. A
 * newcomer must still get in: the next member commits the add after its
 * wait. Three Chromium contexts on the real stack.
 */
const facilitator = demoAccounts[0];
const [m1, m2] = demoAccounts.filter((a) => a.role === 'asn');

let h: BrowserHarness;
let meetingId: string;

beforeAll(async () => {
  h = await BrowserHarness.start();
  const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
  meetingId = String(meeting?._id);
});

afterAll(() => h?.close());

const encrypted = (page: Page) => page.locator('[data-testid="encryption"][data-state="encrypted"]');
const safetyCode = (page: Page) => page.getByTestId('safety-code').textContent();

async function memberJoins(host: Page, email: string, password: string): Promise<Page> {
  const { page } = await h.signIn(email, password);
  await page.goto(`/session/${meetingId}`);
  await page.getByTestId('consent-accept').click();
  await page.getByTestId('devices-ready').click();
  await page.getByTestId('lobby').waitFor();
  await host.getByTestId('admit').first().click();
  return page;
}

describe('a committer that stops committing', () => {
  it('does not keep a newcomer out: the next member adds them', { timeout: 120_000 }, async () => {
    if (!m1 || !m2) throw new Error('demo members missing');
    const { page: host } = await h.signIn(facilitator.email, facilitator.password);
    await openSessionById(host, meetingId);
    await host.getByTestId('circle-grid').waitFor();
    const first = await memberJoins(host, m1.email, m1.password);
    await encrypted(first).waitFor({ timeout: 30_000 });
    await encrypted(host).waitFor({ timeout: 30_000 });
    expect(await safetyCode(first)).toBe(await safetyCode(host));
    const before = await safetyCode(first);

    // From now on every signature the facilitator's page starts never finishes: it cannot commit.
    await host.evaluate(() => {
      Object.defineProperty(crypto.subtle, 'sign', { value: () => new Promise(() => undefined) });
    });

    const second = await memberJoins(host, m2.email, m2.password);
    await encrypted(second).waitFor({ timeout: 40_000 });
    await first.waitForFunction((old) => document.querySelector('[data-testid="safety-code"]')?.textContent !== old, before, { timeout: 10_000 });
    expect(await safetyCode(second)).toBe(await safetyCode(first));
    expect(await safetyCode(second)).not.toBe(before);
  });
});
