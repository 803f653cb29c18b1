import { AxeBuilder } from '@axe-core/playwright';
import { demoAccounts } from '@care/server';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';

const [counselor, asn] = demoAccounts;
/** Set CIRCLES_UI_SCREENSHOTS=1 to keep screenshots of the pages in /tmp. */
const screenshots = process.env.CIRCLES_UI_SCREENSHOTS === '1';
let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start();
});
afterAll(async () => {
  await h?.close();
});

function navLink(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name, exact: true });
}

/** Every axe violation, whatever its impact. */
async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function shot(page: Page, name: string): Promise<void> {
  if (screenshots) await page.screenshot({ path: `/tmp/circles-ui-${name}.png`, fullPage: true });
}

/** The wall-clock date and time in Jakarta (the demo counselor's zone) `minutes` from now, on a whole minute. */
function jakartaIn(minutes: number): { date: string; time: string } {
  const at = new Date(Math.ceil((Date.now() + minutes * 60_000) / 60_000) * 60_000);
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
    .formatToParts(at)
    .reduce<Record<string, string>>((acc, p) => ({ ...acc, [p.type]: p.value }), {});
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

describe('circles pages in two Chromium contexts', () => {
  it('a counselor creates a weekly circle; an ASN joins it, learns their pseudonym and can enter the first meeting', { timeout: 240_000 }, async () => {
    const { page: host } = await h.signIn(counselor.email, counselor.password);
    await navLink(host, 'Kelompok dukungan').click();
    const form = host.getByTestId('circle-form');
    await form.waitFor();
    // The demo seed's circle is already theirs.
    await host.getByTestId('facilitated-circle').filter({ hasText: 'Ruang Tenang' }).waitFor();
    expect(await violations(host)).toEqual([]);

    // Nothing filled in: each missing field says so, beside it, and nothing is sent.
    await host.getByTestId('create-circle').click();
    await host.getByTestId('circle-create-error').waitFor();
    expect(await host.getByTestId('circle-issue-topic').textContent()).toContain('3–80 karakter');
    expect(await host.getByTestId('circle-issue-date').textContent()).toContain('wajib');
    expect(await host.getByLabel('Topik').getAttribute('aria-invalid')).toBe('true');
    expect(await violations(host)).toEqual([]);

    // A weekly circle whose first meeting starts in 10 minutes, so its room can be entered at once.
    const first = jakartaIn(10);
    await host.getByLabel('Topik').fill('Menjaga semangat kerja');
    // Editing a field clears its problem.
    await host.getByTestId('circle-issue-topic').waitFor({ state: 'detached' });
    await host.getByLabel('Tanggal pertemuan pertama').fill(first.date);
    await host.getByLabel('Jam mulai').fill(first.time);
    await host.getByLabel('Setiap minggu pada hari dan jam yang sama').check();
    await host.getByLabel('Jumlah pertemuan').fill('3');
    await host.getByLabel('Kapasitas (orang)').fill('8');
    expect(await host.getByLabel('Anggota tampil dengan nama samaran').isChecked()).toBe(true);
    const preview = host.getByTestId('circle-preview');
    await preview.waitFor();
    expect((await preview.textContent())?.split(';')).toHaveLength(3);
    await shot(host, 'create');
    await host.getByTestId('create-circle').click();
    await host.getByTestId('circles-notice').filter({ hasText: 'sudah dibuat' }).waitFor();
    const mine = host.getByTestId('facilitated-circle').filter({ hasText: 'Menjaga semangat kerja' });
    await mine.waitFor();
    expect(await mine.getByTestId('circle-meeting').count()).toBe(3);
    expect(await mine.getByTestId('circle-seats').textContent()).toContain('8 dari 8 kursi tersisa');
    expect(await violations(host)).toEqual([]);

    // The ASN finds it and joins.
    const { page: client } = await h.signIn(asn.email, asn.password);
    await navLink(client, 'Kelompok dukungan').click();
    const open = client.getByTestId('open-circle').filter({ hasText: 'Menjaga semangat kerja' });
    await open.waitFor();
    expect(await open.textContent()).toContain(counselor.displayName);
    // Already a member of the demo circle, under their seat's pseudonym there.
    await client.getByTestId('my-circle').filter({ hasText: 'Ruang Tenang' }).waitFor();
    expect(await violations(client)).toEqual([]);
    await shot(client, 'browse');
    await open.getByTestId('enrol').click();
    await client.getByTestId('circles-outcome').filter({ hasText: 'Anda terdaftar — nama samaran Anda: Melati' }).waitFor();

    // Now under "my circles": their pseudonym, and the first meeting can be entered (it starts within 15 minutes).
    const joined = client.getByTestId('my-circle').filter({ hasText: 'Menjaga semangat kerja' });
    await joined.waitFor();
    expect(await joined.getByTestId('my-circle-status').textContent()).toContain('Terdaftar sebagai Melati');
    const enter = joined.getByTestId('enter-meeting');
    expect(await enter.count()).toBe(1);
    const firstMeeting = joined.getByTestId('circle-meeting').first();
    expect(await enter.getAttribute('href')).toBe(`/session/${await firstMeeting.getAttribute('data-meeting-id')}`);
    expect(await joined.getByTestId('circle-meeting').nth(1).textContent()).toContain('Dapat dimasuki mulai');
    expect(await client.getByTestId('open-circle').filter({ hasText: 'Menjaga semangat kerja' }).count()).toBe(0);
    expect(await violations(client)).toEqual([]);
    await shot(client, 'joined');

    // Their meetings as a calendar file: one neutral event per meeting, nothing of the topic. The facilitator has one too.
    for (const [page, card] of [[client, joined], [host, mine]] as const) {
      const link = card.getByTestId('circle-ics');
      expect(await link.getAttribute('download')).not.toBeNull();
      const file = await page.context().request.get(new URL((await link.getAttribute('href'))!, h.baseUrl).toString());
      expect(file.status()).toBe(200);
      const ics = await file.text();
      expect(ics.match(/^SUMMARY:Sesi kelompok CARE ASN\r$/gm)).toHaveLength(3);
      expect(ics).not.toContain('semangat');
    }

    // The facilitator's page follows without a reload: the member, with the pseudonym the others see.
    await mine.getByTestId('circle-member').filter({ hasText: `Kursi 1: ${asn.displayName} (tampil sebagai Melati)` }).waitFor();
    await shot(host, 'members');

    // In English too.
    await client.getByRole('button', { name: 'English' }).click();
    await joined.getByTestId('my-circle-status').filter({ hasText: 'Enrolled as Melati' }).waitFor();

    // The ASN leaves; the facilitator's list empties live.
    await joined.getByTestId('leave-circle').click();
    await client.getByTestId('circles-outcome').filter({ hasText: 'You have left the circle.' }).waitFor();
    await mine.getByTestId('circle-member').waitFor({ state: 'detached' });

    // The facilitator cancels the circle.
    await mine.getByTestId('cancel-circle').click();
    await mine.getByTestId('confirm-cancel-circle').click();
    await host.getByTestId('circles-notice').filter({ hasText: 'sudah dibatalkan' }).waitFor();
    // The notice comes first; the list follows when it has been fetched again.
    await host.getByTestId('facilitated-circle').filter({ hasText: 'Menjaga semangat kerja' }).filter({ hasText: 'Kelompok ini dibatalkan.' }).waitFor();
    expect(await violations(host)).toEqual([]);

    // "Masuk" on the demo circle, whose meeting is on now, leads into that meeting's pre-join page.
    await client.getByRole('button', { name: 'Bahasa Indonesia' }).click();
    await client.getByTestId('my-circle').filter({ hasText: 'Ruang Tenang' }).getByTestId('enter-meeting').click();
    await client.waitForURL('**/session/*');
    await client.getByTestId('consent-accept').click();
    await client.getByTestId('circle-intro').filter({ hasText: 'Melati' }).waitFor();
  });
});
