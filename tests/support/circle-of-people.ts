import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { createAccounts, createCircle, circlesClient, type TestAccount } from '../integration/circles/circles-client.js';
import type { BrowserHarness } from './browser-harness.js';
import { newMediaContext } from './browser.js';
import { captureWorkerCounts } from './worker-counts.js';

export interface CircleOfPeople {
  facilitator: TestAccount;
  members: TestAccount[];
  meetingId: string;
  roomId: string;
}

/** A circle with its facilitator and `people - 1` enrolled members, whose first meeting starts in two minutes. */
export async function circleOfPeople(h: BrowserHarness, people: number, label: string): Promise<CircleOfPeople> {
  const [facilitator] = (await createAccounts(h.t, 'counselor', 1, `${label}-facilitator`)) as [TestAccount];
  const members = await createAccounts(h.t, 'asn', people - 1, `${label}-member`);
  const circle = await createCircle(h.t.url, facilitator, { capacity: people - 1, firstStartsAt: new Date(Math.ceil((Date.now() + 120_000) / 60_000) * 60_000).toISOString() });
  for (const member of members) expect((await circlesClient(h.t.url, member).post(`/${circle.id}/enrol`)).status).toBe(200);
  const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({}, { sort: { _id: -1 } });
  return { facilitator, members, meetingId: String(meeting?._id), roomId: String(meeting?.roomId) };
}

/** A page signed in by its session cookie, with a low-resolution camera (160×120, so the machine holds many), on the meeting's page past the device check. */
export async function openCirclePage(h: BrowserHarness, account: TestAccount, meetingId: string): Promise<Page> {
  const context = h.track(await newMediaContext(h.browser, h.baseUrl));
  await context.addCookies([{ name: 'care_session', value: account.cookie.slice('care_session='.length), url: h.baseUrl }]);
  await captureWorkerCounts(context);
  await context.addInitScript(() => {
    const original = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
    navigator.mediaDevices.getUserMedia = (constraints) =>
      original(constraints?.video ? { ...constraints, video: { ...(typeof constraints.video === 'object' ? constraints.video : {}), width: 160, height: 120 } } : constraints);
  });
  const page = await context.newPage();
  await page.goto(`/session/${meetingId}`);
  await page.getByTestId('consent-accept').or(page.getByTestId('devices-ready')).waitFor();
  if (await page.getByTestId('consent-accept').isVisible()) await page.getByTestId('consent-accept').click();
  await page.getByTestId('devices-ready').click();
  return page;
}
