import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';

/*
 * The programme's lines of the report (issue 13 §9) on a page of their own:
 * an administrator reaches it from the service report, picks a year, and
 * sees the referral funnel, outcomes, session ratings, accompaniment length
 * and allowance use as the server suppressed them (counts, "<k", "—"), in
 * Indonesian first, with no serious axe violation. An impossible year gets a
 * plain answer, not a broken page.
 */
const admin = demoAccounts[2];
let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start();
});

afterAll(async () => {
  await h?.close();
});

describe('the programme report page', () => {
  it('shows the year\'s programme lines from the service report, accessible, and refuses an impossible year plainly', { timeout: 120_000 }, async () => {
    const { page } = await h.signIn(admin.email, admin.password);
    await page.goto('/admin/reports');
    await page.getByRole('link', { name: /Laporan program pendampingan/ }).click();
    await page.getByRole('heading', { name: 'Laporan program pendampingan', level: 1 }).waitFor();
    await page.getByTestId('programme-through').waitFor();
    for (const heading of ['Rujukan', 'Hasil akhir siklus (kategori yang dikirim sukarela)', 'Penilaian sesi', 'Lama pendampingan: orang menurut jumlah sesi tahun ini']) {
      await page.getByRole('heading', { name: heading, level: 2 }).waitFor();
    }
    // Accompaniment and allowance always have their rows (the year's totals), each cell a count, "<k" or "—".
    for (const table of ['programme-accompaniment', 'programme-allowance']) {
      const cells = await page.getByTestId(table).locator('td.count').allTextContents();
      expect(cells.length).toBeGreaterThan(0);
      for (const cell of cells) expect(cell).toMatch(/^(\d+|<\d+|—)$/);
    }
    expect(await page.getByTestId('programme-allowance').locator('th[scope="row"]').last().textContent()).toBe('Semua unit');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Tahun', { exact: true }).fill('2019');
    await page.getByRole('button', { name: 'Tampilkan' }).click();
    await page.getByRole('alert').filter({ hasText: 'Pilih tahun antara 2020 dan 2100.' }).waitFor();
  });
});
