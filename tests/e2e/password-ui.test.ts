import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpInbox, type SmtpInbox } from '../integration/reminders/smtp-inbox.js';
import { createAccounts } from '../integration/scheduling/scheduling-app.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';

/*
 * Passwords in Chromium, in Indonesian: a forgotten one reset through the
 * emailed link (a real SMTP server), and one changed on Account security,
 * which sends the person's other browser back to the sign-in page saying why.
 */

// The createAccounts password.
const PASSWORD = 'not-used-by-these-tests';
let h: BrowserHarness;
let inbox: SmtpInbox;
/** Set PASSWORD_UI_SCREENSHOTS=1 to keep screenshots of the pages in /tmp. */
const screenshots = process.env.PASSWORD_UI_SCREENSHOTS === '1';

async function shot(page: Page, name: string): Promise<void> {
  if (screenshots) await page.screenshot({ path: `/tmp/password-ui-${name}.png`, fullPage: true });
}

async function person(label: string): Promise<string> {
  const [account] = await createAccounts(h.t, 'asn', 1, label);
  return (await h.t.platform.db.users.findById(account!.id))!.email;
}

beforeAll(async () => {
  inbox = await startSmtpInbox();
  h = await BrowserHarness.start({ SMTP_URL: inbox.url });
});
afterAll(async () => {
  await h?.close();
  await inbox?.close();
});

describe('passwords in the browser', () => {
  it('resets a forgotten password through the emailed link, once; every page axe-clean', { timeout: 180_000 }, async () => {
    const email = await person('forgot-ui');
    const context = h.track(await h.browser.newContext({ baseURL: h.baseUrl }));
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('link', { name: 'Lupa kata sandi?' }).click();
    await page.getByRole('heading', { name: 'Lupa kata sandi', level: 1 }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Email').fill('bukan email');
    await page.getByRole('button', { name: 'Kirim tautan' }).click();
    await page.getByText('Isi alamat email yang valid.').waitFor();
    await page.getByLabel('Email').fill(email);
    await page.getByRole('button', { name: 'Kirim tautan' }).click();
    expect(await page.getByTestId('reset-sent').textContent()).toContain(email);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'sent');

    await inbox.waitFor((all) => all.some((m) => m.to === email), 'the reset email');
    const link = /(https?:\/\/\S+\/reset-password\/[A-Za-z0-9_-]{43})/.exec(inbox.received.find((m) => m.to === email)!.text)![1]!;
    const path = new URL(link).pathname;
    await page.goto(path);
    await page.getByRole('heading', { name: 'Pilih kata sandi baru', level: 1 }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByLabel('Kata sandi baru', { exact: true }).fill('kata-sandi-baru-saya');
    await page.getByLabel('Ulangi kata sandi baru').fill('kata-sandi-lain');
    await page.getByRole('button', { name: 'Simpan kata sandi' }).click();
    await page.getByText('Kedua kata sandi tidak sama.').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'reset-mismatch');
    await page.getByLabel('Ulangi kata sandi baru').fill('kata-sandi-baru-saya');
    await page.getByRole('button', { name: 'Simpan kata sandi' }).click();
    await page.getByTestId('reset-done').waitFor();
    expect(await seriousViolations(page)).toEqual([]);

    // Once: the same link again says so.
    await page.goto(path);
    expect(await page.getByTestId('reset-problem').textContent()).toContain('sudah dipakai');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('link', { name: 'Ke halaman masuk' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Kata sandi').fill('kata-sandi-baru-saya');
    await page.getByRole('button', { name: 'Masuk' }).click();
    await page.waitForURL('**/appointments');
  });

  it('changes the password on Account security; the other browser is signed out and told why', { timeout: 180_000 }, async () => {
    const email = await person('change-ui');
    const here = await h.signIn(email, PASSWORD);
    const elsewhere = await h.signIn(email, PASSWORD);

    await here.page.goto('/account/security');
    const form = here.page.getByTestId('password-change');
    await form.waitFor();
    await form.getByLabel('Kata sandi saat ini').fill('bukan-yang-ini');
    await form.getByLabel('Kata sandi baru', { exact: true }).fill('sandi-baru-yang-panjang');
    await form.getByLabel('Ulangi kata sandi baru').fill('sandi-baru-yang-panjang');
    await form.getByRole('button', { name: 'Ganti kata sandi' }).click();
    await form.getByText('Kata sandi saat ini tidak cocok.').waitFor();
    expect(await seriousViolations(here.page)).toEqual([]);

    await form.getByLabel('Kata sandi saat ini').fill(PASSWORD);
    await form.getByRole('button', { name: 'Ganti kata sandi' }).click();
    await here.page.getByTestId('password-changed').waitFor();
    expect(await seriousViolations(here.page)).toEqual([]);
    await shot(here.page, 'changed');

    // The other browser's live connection ends, and its page goes to sign-in with the reason.
    await elsewhere.page.waitForURL('**/?ended=password_changed', { timeout: 30_000 });
    expect(await elsewhere.page.getByTestId('sign-in-ended').textContent()).toContain('Kata sandi akun ini baru saja diganti');
    expect(await seriousViolations(elsewhere.page)).toEqual([]);
    await shot(elsewhere.page, 'ended');

    // This browser goes on, signed in under its new cookie.
    await here.page.goto('/appointments');
    await here.page.getByTestId('schedule-nav').waitFor();
    expect(here.page.url()).toContain('/appointments');
  });
});
