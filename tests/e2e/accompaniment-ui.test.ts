import { demoAccounts } from '@care/server';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';

const [counselor, asn] = demoAccounts;
let h: BrowserHarness;

function navLink(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name, exact: true });
}

beforeAll(async () => {
  // Three sessions a year, so the allowance runs out within the flow.
  h = await BrowserHarness.start({ ALLOWANCE_SESSIONS_PER_YEAR: '3' });
});
afterAll(async () => {
  await h?.close();
});

/** The counselor's hours, saved from their own page as the app would (every day 08:00–17:00, two days' notice). */
async function openHours(page: Page): Promise<void> {
  const status = await page.evaluate(async () => {
    const { data } = (await (await fetch('/api/auth/csrf')).json()) as { data: { token: string } };
    const weekly = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((weekday) => ({ weekday, start: '08:00', end: '17:00' }));
    const answer = await fetch('/api/scheduling/availability', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': data.token },
      body: JSON.stringify({ weekly, minNoticeHours: 48, horizonDays: 60 }),
    });
    return answer.status;
  });
  expect(status).toBe(200);
}

describe('accompaniment in two Chromium contexts (Indonesian)', () => {
  it('the counselor proposes a weekly series from their caseload; the ASN accepts from "Konselor saya" until the allowance runs out', { timeout: 300_000 }, async () => {
    const { page: host } = await h.signIn(counselor.email, counselor.password);
    await openHours(host);
    await navLink(host, 'Klien saya').click();
    const entry = host.getByTestId('caseload-entry').filter({ hasText: asn.displayName });
    await entry.waitFor();
    expect(await seriousViolations(host)).toEqual([]);
    await entry.getByRole('button', { name: 'Usulkan sesi lanjutan' }).click();
    await entry.getByTestId('propose-slot').locator('option').first().waitFor({ state: 'attached' });
    await entry.getByTestId('propose-weeks').selectOption({ label: 'Setiap minggu, 3 minggu' });
    await entry.getByRole('button', { name: 'Kirim usulan' }).click();
    await host.getByTestId('caseload-notice').waitFor();
    expect(await host.getByTestId('caseload-notice').textContent()).toContain('Usulan terkirim');
    expect(await entry.getByTestId('caseload-proposal').filter({ hasText: 'menunggu jawaban' }).count()).toBeGreaterThanOrEqual(3);
    expect(await seriousViolations(host)).toEqual([]);

    const { page: client } = await h.signIn(asn.email, asn.password);
    await navLink(client, 'Konselor saya').click();
    await client.getByTestId('my-counselor').waitFor();
    expect(await client.getByTestId('my-counselor').textContent()).toContain(counselor.displayName);
    await client.getByTestId('allowance').waitFor();
    expect(await seriousViolations(client)).toEqual([]);

    // Accept proposals one by one until the allowance is used up (three sessions a year; the seeded past session may hold one).
    for (let accepted = 0; accepted < 3; accepted++) {
      if (await client.getByText('Jatah sesi tahun ini sudah habis').first().isVisible()) break;
      await client.getByTestId('proposal').first().getByRole('button', { name: 'Terima' }).click();
      await client.getByTestId('my-counselor-notice').filter({ hasText: 'Usulan diterima' }).waitFor();
    }
    await client.getByText('Jatah sesi tahun ini sudah habis').first().waitFor();
    expect(await client.getByTestId('allowance-remaining').textContent()).toMatch(/3 dari 3 sesi terpakai · sisa 0/);
    // Nothing more can be taken: accepting and rebooking wait for a grant.
    for (const button of await client.getByTestId('proposal').getByRole('button', { name: 'Terima' }).all()) expect(await button.isDisabled()).toBe(true);
    for (const button of await client.getByTestId('rebook-slot').all()) expect(await button.isDisabled()).toBe(true);
    expect(await seriousViolations(client)).toEqual([]);

    // Before booking elsewhere the ASN is told too, and the server refuses one more.
    await navLink(client, 'Cari konselor').click();
    await client.getByTestId('allowance-before-booking').waitFor();
    expect(await client.getByTestId('allowance-before-booking').textContent()).toContain('sudah habis');

    // The counselor's caseload shows the sessions used.
    await host.reload();
    await entry.getByTestId('caseload-used').waitFor();
    expect(await entry.getByTestId('caseload-used').textContent()).toContain('3 dari 3');
  });
});
