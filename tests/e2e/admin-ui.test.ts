import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';

const admin = demoAccounts[2];
/** Set ADMIN_UI_SCREENSHOTS=1 to keep screenshots of the pages in /tmp. */
const screenshots = process.env.ADMIN_UI_SCREENSHOTS === '1';
let h: BrowserHarness;

async function shot(page: Page, name: string): Promise<void> {
  if (screenshots) await page.screenshot({ path: `/tmp/admin-ui-${name}.png`, fullPage: true });
}

beforeAll(async () => {
  h = await BrowserHarness.start();
});

afterAll(async () => {
  await h?.close();
});

function navLink(page: Page, name: string) {
  return page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name, exact: true });
}

describe('admin pages in Chromium', () => {
  it('an admin invites an ASN, the invitee accepts through the link and signs in; every page is axe-clean', { timeout: 180_000 }, async () => {
    const { page: adminPage } = await h.signIn(admin.email, admin.password);
    await navLink(adminPage, 'Undangan ASN').click();
    await adminPage.getByRole('heading', { name: 'Undangan ASN', level: 1 }).waitFor();
    expect(await seriousViolations(adminPage)).toEqual([]);

    // A wrong unit code: the issue shows beside the field.
    const email = `sari-${Date.now()}@contoh.go.id`;
    await adminPage.getByLabel('Email', { exact: true }).fill(email);
    await adminPage.getByLabel('Nama', { exact: true }).fill('Sari Wulandari');
    await adminPage.getByLabel('Unit kerja', { exact: true }).fill('bukan kode');
    await adminPage.getByRole('button', { name: 'Kirim undangan' }).click();
    await adminPage.getByText('Isi kode unit').waitFor();
    expect(await seriousViolations(adminPage)).toEqual([]);

    await adminPage.getByLabel('Unit kerja', { exact: true }).fill('dinkes');
    await adminPage.getByRole('button', { name: 'Kirim undangan' }).click();
    const devLink = adminPage.getByTestId('invite-dev-link');
    await devLink.waitFor();
    const link = (await devLink.locator('code').textContent()) ?? '';
    expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
    // No list of the people invited: the invites are counted per unit (DINKES has too few to stand alone).
    expect(await adminPage.getByTestId('pending-invites').count()).toBe(0);
    expect(await adminPage.getByTestId('asn-table').count()).toBe(0);
    await adminPage.getByTestId('invite-counts').getByRole('rowheader', { name: 'Unit lain (digabung)' }).waitFor();
    expect(await adminPage.getByTestId('invite-counts').textContent()).not.toContain(email);

    // One person is found by the exact address: the open invite, no name.
    await adminPage.getByLabel('Alamat email lengkap').fill(email.toUpperCase());
    await adminPage.getByRole('button', { name: 'Cari', exact: true }).click();
    await adminPage.getByTestId('lookup-invite').filter({ hasText: 'terbuka' }).waitFor();
    expect(await adminPage.getByTestId('lookup-account').textContent()).toContain('Belum ada akun');
    expect(await adminPage.getByTestId('lookup-result').textContent()).not.toContain('Sari Wulandari');
    expect(await seriousViolations(adminPage)).toEqual([]);
    // A part of an address finds nothing.
    await adminPage.getByLabel('Alamat email lengkap').fill(email.split('@')[0]!.slice(0, 4) + '@contoh.go.id');
    await adminPage.getByRole('button', { name: 'Cari', exact: true }).click();
    await adminPage.getByTestId('lookup-not-found').waitFor();
    await shot(adminPage, 'invites');

    // A CSV file with one good and one bad row: the result table says which.
    const csv = `email,nama,unit\nbudi-${Date.now()}@contoh.go.id,Budi,BKD\nbukan-email,X,BKD\n`;
    await adminPage.getByLabel('Berkas CSV', { exact: true }).setInputFiles({ name: 'asn.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await adminPage.getByRole('button', { name: 'Unggah dan undang' }).click();
    const report = adminPage.getByTestId('csv-report');
    await report.waitFor();
    expect(await report.locator('tr[data-status="invited"]').count()).toBe(1);
    expect(await report.locator('tr[data-status="skipped"]').textContent()).toContain('email tidak valid');
    expect(await seriousViolations(adminPage)).toEqual([]);
    await shot(adminPage, 'csv');

    // The report and counselor pages (counts and people only).
    await navLink(adminPage, 'Laporan').click();
    await adminPage.getByRole('heading', { name: 'Semua unit' }).waitFor();
    expect(await adminPage.getByRole('columnheader', { name: 'Kehadiran kelompok dukungan' }).count()).toBeGreaterThan(0);
    expect(await seriousViolations(adminPage)).toEqual([]);
    await shot(adminPage, 'report');
    await navLink(adminPage, 'Konselor').click();
    await adminPage.getByTestId('counselor-table').getByRole('rowheader', { name: demoAccounts[0].displayName }).waitFor();
    // Administrators are listed too; one's own row has no button (nobody deactivates themself).
    const ownRow = adminPage.getByTestId('admin-table').getByRole('row').filter({ hasText: admin.displayName });
    await ownRow.getByText('(Anda)').waitFor();
    expect(await ownRow.getByRole('button').count()).toBe(0);
    expect(await seriousViolations(adminPage)).toEqual([]);

    // The invitee, in a browser of their own, opens the link.
    const context = h.track(await h.browser.newContext({ baseURL: h.baseUrl }));
    const invitee = await context.newPage();
    await invitee.goto(new URL(link).pathname);
    await invitee.getByText(email).waitFor();
    expect(await invitee.getByLabel('Nama panggilan Anda').inputValue()).toBe('Sari Wulandari');
    expect(await seriousViolations(invitee)).toEqual([]);
    await invitee.getByLabel('Kata sandi baru').fill('sandi-yang-panjang');
    await invitee.getByLabel('Ulangi kata sandi').fill('sandi-yang-lain');
    await invitee.getByRole('button', { name: 'Buat akun' }).click();
    await invitee.getByText('Kedua kata sandi tidak sama.').waitFor();
    await invitee.getByLabel('Ulangi kata sandi').fill('sandi-yang-panjang');
    await invitee.getByRole('button', { name: 'Buat akun' }).click();
    await invitee.getByRole('heading', { name: 'Akun Anda siap' }).waitFor();
    expect(await seriousViolations(invitee)).toEqual([]);

    // The link works once.
    await invitee.goto(new URL(link).pathname);
    expect(await invitee.getByTestId('invite-problem').textContent()).toContain('sudah dipakai');

    // And the new account signs in.
    await invitee.goto('/');
    await invitee.getByLabel('Email').fill(email);
    await invitee.getByLabel('Kata sandi').fill('sandi-yang-panjang');
    await invitee.getByRole('button', { name: 'Masuk' }).click();
    await invitee.waitForURL('**/appointments');
    await invitee.getByRole('heading', { name: 'Jadwal konseling' }).waitFor();
    const stored = await h.t.platform.db.users.findOne({ email });
    expect(stored?.agencyUnit).toBe('DINKES');

    // Staff find the new account by its address, see it accepted, deactivate it — its session ends — and bring it back.
    await navLink(adminPage, 'Undangan ASN').click();
    await adminPage.getByLabel('Alamat email lengkap').fill(email);
    await adminPage.getByRole('button', { name: 'Cari', exact: true }).click();
    await adminPage.getByTestId('lookup-invite').filter({ hasText: 'diterima' }).waitFor();
    expect(await adminPage.getByTestId('lookup-account').textContent()).toContain('Aktif');
    await adminPage.getByTestId('lookup-result').getByRole('button', { name: 'Nonaktifkan' }).click();
    await adminPage.getByTestId('lookup-account').filter({ hasText: 'Nonaktif' }).waitFor();
    expect(await seriousViolations(adminPage)).toEqual([]);
    await shot(adminPage, 'lookup');
    await invitee.reload();
    await invitee.getByLabel('Email').waitFor();
    await adminPage.getByTestId('lookup-result').getByRole('button', { name: 'Aktifkan kembali' }).click();
    await adminPage.getByTestId('lookup-account').filter({ hasNotText: 'Nonaktif' }).waitFor();
  });

  it('an admin turns on two-step verification, then signs in with the password and a code', { timeout: 120_000 }, async () => {
    const { page } = await h.signIn(admin.email, admin.password);
    await navLink(page, 'Keamanan akun').click();
    await page.getByRole('button', { name: 'Siapkan verifikasi dua langkah' }).click();
    await page.getByRole('img', { name: 'Kode QR untuk aplikasi autentikator' }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'security-setup');
    await page.getByText('Tidak bisa memindai?').click();
    const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    await page.getByLabel('Kode 6 angka dari aplikasi').fill(totp.generate());
    await page.getByRole('button', { name: 'Aktifkan' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.getByTestId('recovery-codes').locator('li').count()).toBe(10);
    await page.getByTestId('totp-on').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // A fresh browser: the password, then the code step (a later code; the first one is used up).
    const context = h.track(await h.browser.newContext({ baseURL: h.baseUrl }));
    const again = await context.newPage();
    await again.goto('/');
    await again.getByLabel('Email').fill(admin.email);
    await again.getByLabel('Kata sandi').fill(admin.password);
    await again.getByRole('button', { name: 'Masuk' }).click();
    const code = again.getByLabel('Kode verifikasi');
    await code.waitFor();
    expect(await seriousViolations(again)).toEqual([]);
    await code.fill('000000' === totp.generate({ timestamp: Date.now() + 30_000 }) ? '111111' : '000000');
    await again.getByRole('button', { name: 'Verifikasi' }).click();
    await again.getByRole('alert').filter({ hasText: 'Kode tidak cocok' }).waitFor();
    await code.fill(totp.generate({ timestamp: Date.now() + 30_000 }));
    await again.getByRole('button', { name: 'Verifikasi' }).click();
    await again.waitForURL('**/appointments');
  });
});
