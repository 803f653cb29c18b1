import { demoAccounts } from '@care/server';
import type { Locator, Page } from 'playwright-core';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backdateDecisions } from '../integration/programme/referral-app.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';

const asn = demoAccounts[1];
const admin = demoAccounts[2];
let h: BrowserHarness;

function navLink(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name, exact: true });
}

beforeAll(async () => {
  h = await BrowserHarness.start();
});
afterAll(async () => {
  await h?.close();
});

/** The staff row of the one referral, refreshed until it shows `expected` (or for about 20 s, then as it stands). */
async function staffRow(page: Page, expected: { state: string; attended: string }): Promise<{ state: string; attended: string }> {
  let seen = { state: '', attended: '' };
  for (let tries = 0; tries < 40; tries++) {
    await page.getByRole('button', { name: 'Muat ulang' }).and(page.locator(':enabled')).click();
    const row = page.getByTestId('referral-row').filter({ hasText: asn.email });
    await row.waitFor();
    seen = { state: (await row.getByTestId('referral-state').textContent())!.trim(), attended: (await row.getByTestId('referral-attended').textContent())!.trim() };
    if (seen.state === expected.state && seen.attended === expected.attended) break;
    await page.waitForTimeout(500);
  }
  return seen;
}

describe('referral with consent in two Chromium contexts (Indonesian)', () => {
  it('staff record a referral; the ASN takes it up allowing attendance, then withdraws; the staff view follows each step and only that', { timeout: 300_000 }, async () => {
    const { page: staff } = await h.signIn(admin.email, admin.password);
    await navLink(staff, 'Rujukan').click();
    await staff.getByRole('heading', { name: 'Rujukan dengan persetujuan', level: 1 }).waitFor();
    await staff.getByLabel('Email ASN').fill(asn.email);
    await staff.getByLabel('Alasan rujukan').selectOption({ label: 'Kekhawatiran akan kesejahteraan' });
    await staff.getByLabel('Unit yang merujuk (kode)').fill('bkd');
    await staff.getByRole('button', { name: 'Catat rujukan' }).click();
    await staff.getByTestId('referral-notice').waitFor();
    expect(await staffRow(staff, { state: 'Diundang', attended: 'Tidak dibagikan' })).toEqual({ state: 'Diundang', attended: 'Tidak dibagikan' });
    expect(await seriousViolations(staff)).toEqual([]);

    const { page: client } = await h.signIn(asn.email, asn.password);
    await navLink(client, 'Undangan rujukan').click();
    const card = client.getByTestId('my-referral');
    await card.waitFor();
    expect(await card.textContent()).toContain('Rujukan dari unit BKD');
    expect(await client.getByText('Undangan ini sukarela').textContent()).toContain('tidak memengaruhi penilaian kerja');
    expect(await seriousViolations(client)).toEqual([]);
    await card.getByLabel('Izinkan pihak yang merujuk mengetahui apakah saya hadir (ya/tidak)').check();
    await card.getByRole('button', { name: 'Terima undangan' }).click();
    await client.getByTestId('referral-mine-notice').filter({ hasText: 'Anda menerima undangan' }).waitFor();
    expect(await card.getByTestId('my-referral-attendance').textContent()).toContain('kehadiran boleh dilaporkan');
    expect(await staffRow(staff, { state: 'Diterima', attended: 'Belum' })).toEqual({ state: 'Diterima', attended: 'Belum' });

    // Taken up two days ago, and a session held yesterday (as a past booking leaves it): attendance may be told.
    const referralId = String((await h.t.platform.db.connection.collection('referrals').findOne({ email: asn.email }))!._id);
    await backdateDecisions(h.t, referralId, 2);
    const startsAt = new Date(Date.now() - 86_400_000);
    await h.t.platform.db.appointments.create({
      counselorId: new Types.ObjectId(),
      clientId: (await h.t.platform.db.users.findOne({ email: asn.email }))!._id,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      roomId: `referral-ui-${Date.now()}`,
      status: 'completed',
    });
    expect(await staffRow(staff, { state: 'Diterima', attended: 'Ya' })).toEqual({ state: 'Diterima', attended: 'Ya' });

    await card.getByRole('button', { name: 'Tarik diri dari rujukan' }).click();
    await client.getByTestId('referral-mine-notice').filter({ hasText: 'Anda menarik diri' }).waitFor();
    expect(await card.getByTestId('my-referral-answer').textContent()).toContain('Anda menarik diri dari rujukan ini');
    await card.getByText('Riwayat persetujuan').click();
    expect(await card.getByTestId('my-referral-history').locator('li').count()).toBe(2);
    expect(await seriousViolations(client)).toEqual([]);
    expect(await staffRow(staff, { state: 'Ditarik kembali', attended: 'Tidak dibagikan' })).toEqual({ state: 'Ditarik kembali', attended: 'Tidak dibagikan' });
    expect(await seriousViolations(staff)).toEqual([]);
  });

  it('the self-help library and the leaders page are static: reading them asks the server for nothing but their own files', { timeout: 120_000 }, async () => {
    // A reader who is not signed in, in a fresh browser context: nothing of the app is loaded, so every request is the reading's own.
    const context = await h.browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await page.goto(`${h.t.url}/bantuan-diri/index.html`);
    await page.getByRole('heading', { name: 'Bacaan bantuan diri', level: 1 }).waitFor();
    // Before anything is injected for the accessibility check: the page itself has no script.
    expect(await page.locator('script').count()).toBe(0);
    for (const [link, heading] of [
      ['Stres', 'Stres'],
      ['Tidur', 'Tidur'],
      ['Konflik di tempat kerja', 'Konflik di tempat kerja'],
      ['Keluarga', 'Keluarga'],
      ['Kecemasan', 'Kecemasan'],
      ['Percaya diri', 'Percaya diri'],
      ['Untuk pimpinan: merujuk dengan peduli', 'Untuk pimpinan: merujuk dengan peduli'],
    ]) {
      await page.getByRole('link', { name: new RegExp(`^${link}`) }).click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      expect(await page.locator('script').count()).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      await page.goBack();
      await page.getByRole('heading', { name: 'Bacaan bantuan diri', level: 1 }).waitFor();
    }
    expect(requested.filter((path) => !/^\/bantuan-diri\/[a-z-]+\.(html|css)$/.test(path))).toEqual([]);
    expect(requested).toContain('/bantuan-diri/pemimpin.html');
    await context.close();
  });
});
