import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { knockFromCirclesPage } from '../support/circle-meeting.js';
import { encrypted } from '../support/group-view.js';
import { seriousViolations } from '../support/session-flow.js';
import { login, sessionHeaders } from '../support/test-platform.js';

/*
 * The facilitator's way into a circle meeting, tried as a new user would: no
 * address typed anywhere. From the appointments page (their 1:1 sessions and,
 * beside them, the next meeting of each circle they run) and from the circles
 * page, a meeting can be entered from 15 minutes before it starts; one that
 * opens later says when.
 */
const [counselor] = demoAccounts;
const member = demoAccounts.find((a) => a.role === 'asn')!;
let h: BrowserHarness;
let demoMeetingId: string;
let laterMeetingId: string;
let soonMeetingId: string;

/** A one-off circle whose meeting starts `minutes` from now, made by the counselor over REST; its meeting id. */
async function circleStartingIn(minutes: number, topic: string): Promise<string> {
  const cookie = await login(h.t.url, counselor.email, counselor.password);
  const firstStartsAt = new Date(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000).toISOString();
  const response = await fetch(`${h.t.url}/api/circles`, {
    method: 'POST',
    headers: { ...sessionHeaders(cookie), 'content-type': 'application/json' },
    body: JSON.stringify({ topic, firstStartsAt, durationMinutes: 60 }),
  });
  const body = (await response.json()) as { ok: boolean; data: { meetings: Array<{ id: string }> } };
  if (!body.ok) throw new Error(`circle not created: ${JSON.stringify(body)}`);
  return body.data.meetings[0]!.id;
}

beforeAll(async () => {
  h = await BrowserHarness.start();
  const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
  demoMeetingId = String(meeting?._id);
  laterMeetingId = await circleStartingIn(40, 'Lingkar sore hari');
  soonMeetingId = await circleStartingIn(10, 'Lingkar sebentar lagi');
});
afterAll(() => h?.close());

const card = (page: Page, meetingId: string) => page.locator(`[data-testid="facilitated-meeting"][data-meeting-id="${meetingId}"]`);

describe('a way in for the facilitator', () => {
  let host: Page;

  it('the appointments page lists the next meeting of each circle beside the 1:1 sessions, with "Masuk" from 15 minutes before', { timeout: 120_000 }, async () => {
    ({ page: host } = await h.signIn(counselor.email, counselor.password));
    await host.getByTestId('appointment').first().waitFor();
    await host.getByRole('heading', { name: 'Pertemuan kelompok dukungan yang Anda pandu' }).waitFor();
    // The demo meeting is on now, one starts in 10 minutes (open: 15 minutes before), one in 40 (not yet).
    for (const meetingId of [demoMeetingId, soonMeetingId]) {
      await card(host, meetingId).getByTestId('enter-facilitated-meeting').waitFor();
      expect(await card(host, meetingId).getByTestId('enter-facilitated-meeting').getAttribute('href')).toBe(`/session/${meetingId}`);
    }
    expect(await card(host, laterMeetingId).getByTestId('enter-facilitated-meeting').count()).toBe(0);
    expect(await card(host, laterMeetingId).textContent()).toMatch(/Dapat dimasuki mulai \d\d\.\d\d WIB/);
    // In time order: what is on now first.
    const order = await host.getByTestId('facilitated-meeting').evaluateAll((cards) => cards.map((c) => c.getAttribute('data-meeting-id')));
    expect(order).toEqual([demoMeetingId, soonMeetingId, laterMeetingId]);
    expect(await seriousViolations(host)).toEqual([]);
  });

  it('enters the meeting on now from there, and lets a member in who knocked', { timeout: 120_000 }, async () => {
    await card(host, demoMeetingId).getByRole('link', { name: /^Masuk/ }).click();
    await host.waitForURL(`**/session/${demoMeetingId}`);
    await host.getByTestId('devices-ready').click();
    await host.getByTestId('circle-grid').waitFor();

    const { page: asn } = await h.signIn(member.email, member.password);
    await knockFromCirclesPage(asn, demoMeetingId, 'click');
    await host.getByTestId('admit').click();
    await encrypted(asn).waitFor({ timeout: 30_000 });
    await encrypted(host).waitFor({ timeout: 30_000 });
    await host.locator('[data-testid="circle-grid"][data-count="2"]').waitFor();
  });

  it('the circles page offers "Masuk" for each of the facilitator’s meetings that is open, and says when the others open', { timeout: 120_000 }, async () => {
    await host.getByTestId('leave').click();
    await host.getByTestId('left').getByRole('link').click();
    await host.waitForURL('**/circles');
    const meeting = (meetingId: string) => host.locator(`[data-testid="facilitated-circle"] [data-testid="circle-meeting"][data-meeting-id="${meetingId}"]`);
    await meeting(demoMeetingId).getByTestId('enter-meeting').waitFor();
    await meeting(soonMeetingId).getByTestId('enter-meeting').waitFor();
    expect(await meeting(laterMeetingId).getByTestId('enter-meeting').count()).toBe(0);
    expect(await meeting(laterMeetingId).textContent()).toMatch(/Dapat dimasuki mulai \d\d\.\d\d WIB/);
    expect(await seriousViolations(host)).toEqual([]);

    // The meeting that starts in 10 minutes: its room opens for the facilitator now.
    await meeting(soonMeetingId).getByTestId('enter-meeting').click();
    await host.waitForURL(`**/session/${soonMeetingId}`);
    await host.getByTestId('devices-ready').click();
    await host.locator('[data-testid="circle-grid"][data-count="1"]').waitFor();
    await host.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 30_000 });
  });
});
