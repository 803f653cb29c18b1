import { readFile } from 'node:fs/promises';
import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness, type SignedIn } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';

/*
 * The improvement plan (issue 13 §2) in Indonesian: the counselor and the
 * client write it together in a real 1:1 session (two Chromium contexts,
 * the real server relaying MLS application messages), each sees the other's
 * edits; the client's device keeps it (sealed in its vault) across a reload;
 * it moves to a fresh browser through a passphrase-sealed file, and a wrong
 * passphrase is refused.
 */

const [, asn] = demoAccounts;
const PASSPHRASE = 'kopi pagi di teras rumah';
let h: BrowserHarness;
let host: SignedIn;
let client: SignedIn;
let exported = '';

const field = (page: Page, name: string) => page.getByTestId(`plan-${name}`);
/** Waits until the page's vault holds what was typed. */
const saved = (page: Page) => page.locator('[data-testid="plan-saved"][data-state="saved"]').waitFor({ timeout: 20_000 });

beforeAll(async () => {
  h = await BrowserHarness.start();
});

afterAll(() => h?.close());

describe('the improvement plan, co-written in a session', () => {
  it('counselor and client edit the plan live and each sees the other’s edits', async () => {
    ({ host, client } = await h.sessionPair());
    for (const page of [host.page, client.page]) await page.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 30_000 });
    // The counselor's page takes the plan the client's device offers.
    await host.page.getByTestId('plan-panel').getByTestId('plan-form').waitFor({ timeout: 30_000 });
    await expect.poll(() => host.page.getByTestId('plan-keeping').getAttribute('data-keeping')).toBe('memory');

    await field(client.page, 'change').fill('Datang tepat waktu ke kantor');
    await expect.poll(() => field(host.page, 'change').inputValue(), { timeout: 20_000 }).toBe('Datang tepat waktu ke kantor');

    await field(host.page, 'new-step').fill('Pasang alarm jam 5 pagi');
    await field(host.page, 'new-step-due').fill('2027-01-15');
    await field(host.page, 'add-step').click();
    await client.page.getByTestId('plan-step-text').first().waitFor({ timeout: 20_000 });
    expect(await client.page.getByTestId('plan-step-text').first().inputValue()).toBe('Pasang alarm jam 5 pagi');

    await field(host.page, 'why').fill('Agar tim kembali percaya');
    await field(client.page, 'support').fill('Istri dan atasan langsung');
    await expect.poll(() => field(client.page, 'why').inputValue(), { timeout: 20_000 }).toBe('Agar tim kembali percaya');
    await expect.poll(() => field(host.page, 'support').inputValue(), { timeout: 20_000 }).toBe('Istri dan atasan langsung');

    await client.page.getByTestId('plan-step-done').first().check();
    await expect.poll(() => host.page.getByTestId('plan-step').first().getAttribute('data-done'), { timeout: 20_000 }).toBe('true');

    await field(host.page, 'new-note').fill('Minggu ini mulai dengan satu langkah kecil.');
    await field(host.page, 'add-note').click();
    await client.page.getByTestId('plan-note').filter({ hasText: 'satu langkah kecil' }).waitFor({ timeout: 20_000 });

    // The client lets the counselor's device keep a copy: the counselor's page says so.
    await client.page.getByTestId('plan-keep').check();
    await expect.poll(() => host.page.getByTestId('plan-keeping').getAttribute('data-keeping'), { timeout: 20_000 }).toBe('device');

    expect(await seriousViolations(client.page)).toEqual([]);
    expect(await seriousViolations(host.page)).toEqual([]);
  }, 420_000);

  it('is still on the client’s device after a reload, where steps are ticked and notes added between sessions', async () => {
    await saved(client.page);
    await client.page.goto('/rencana');
    await client.page.reload();
    const page = client.page;
    await page.getByTestId('plan-page').waitFor();
    expect(await field(page, 'change').inputValue()).toBe('Datang tepat waktu ke kantor');
    expect(await field(page, 'why').inputValue()).toBe('Agar tim kembali percaya');
    expect(await page.getByTestId('plan-step-text').first().inputValue()).toBe('Pasang alarm jam 5 pagi');
    expect(await page.getByTestId('plan-step-done').first().isChecked()).toBe(true);

    await page.getByTestId('plan-step-done').first().uncheck();
    await field(page, 'new-note').fill('Dua hari terlambat karena hujan.');
    await field(page, 'add-note').click();
    await saved(page);
    await page.reload();
    await page.getByTestId('plan-note').filter({ hasText: 'karena hujan' }).waitFor();
    expect(await page.getByTestId('plan-step-done').first().isChecked()).toBe(false);
    expect(await seriousViolations(page)).toEqual([]);
  }, 240_000);

  it('moves to a new browser in a file sealed with a passphrase; a wrong passphrase is refused', async () => {
    const page = client.page;
    await field(page, 'export-passphrase').fill(PASSPHRASE);
    const download = page.waitForEvent('download', { timeout: 60_000 });
    await field(page, 'export').click();
    exported = await readFile(await (await download).path(), 'utf8');
    expect(exported).toContain('care-asn-plan');
    expect(exported).not.toContain('Datang tepat waktu');
    await page.getByTestId('plan-file-notice').waitFor({ timeout: 60_000 });

    // A fresh browser context: nothing of the plan on this device.
    const fresh = await h.signIn(asn.email, asn.password);
    await fresh.page.goto('/rencana');
    await fresh.page.getByTestId('plan-page').waitFor();
    expect(await field(fresh.page, 'change').inputValue()).toBe('');

    const file = { name: 'rencana-perbaikan.care-asn.json', mimeType: 'application/json', buffer: Buffer.from(exported) };
    await field(fresh.page, 'import-file').setInputFiles(file);
    await field(fresh.page, 'import-passphrase').fill('bukan frasa yang benar');
    await field(fresh.page, 'import').click();
    await fresh.page.getByTestId('plan-file-problem').filter({ hasText: 'Frasa sandi salah' }).waitFor({ timeout: 60_000 });
    expect(await field(fresh.page, 'change').inputValue()).toBe('');

    await field(fresh.page, 'import-passphrase').fill(PASSPHRASE);
    await field(fresh.page, 'import').click();
    await fresh.page.getByTestId('plan-file-notice').waitFor({ timeout: 60_000 });
    expect(await field(fresh.page, 'change').inputValue()).toBe('Datang tepat waktu ke kantor');
    // Kept on the new device: it is there after a reload.
    await fresh.page.reload();
    await fresh.page.getByTestId('plan-note').filter({ hasText: 'karena hujan' }).waitFor();
    expect(await fresh.page.getByTestId('plan-step-text').first().inputValue()).toBe('Pasang alarm jam 5 pagi');
    expect(await seriousViolations(fresh.page)).toEqual([]);
  }, 300_000);
});
