import { demoAccounts } from '@care/server';
import type { AvailabilityView, BookingView, CounselorSlotsView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allWeek, schedulingClient } from '../integration/scheduling/scheduling-app.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';
import { login, sessionHeaders } from '../support/test-platform.js';

const [counselor, asn] = demoAccounts;
const HOUR = 3_600_000;
/** Set REMINDERS_UI_SCREENSHOTS=1 to keep screenshots of the pages in /tmp. */
const screenshots = process.env.REMINDERS_UI_SCREENSHOTS === '1';

let clockMs: number | null = null;
let h: BrowserHarness;

beforeAll(async () => {
  // No SMTP_URL: the embedded dev default, with its outbox.
  h = await BrowserHarness.start({ REMINDER_INTERVAL_MS: '200' }, { reminderClock: () => new Date(clockMs ?? Date.now()) });
});

afterAll(async () => {
  await h?.close();
});

function postJson(url: string, cookie: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { ...sessionHeaders(cookie), 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('reminders and the dev outbox in Chromium', () => {
  it('shows a calm reminder on any page, the calendar file, and the mail in the outbox', { timeout: 120_000 }, async () => {
    const url = h.t.url;
    const asCounselor = schedulingClient(url, await login(url, counselor.email, counselor.password));
    expect((await asCounselor.put('/availability', { weekly: allWeek, minNoticeHours: 0, maxPerDay: 24 })).status).toBe(200);
    const { counselorId } = (await asCounselor.get<AvailabilityView>('/availability')).body.data!;
    const asAsn = schedulingClient(url, await login(url, asn.email, asn.password));
    const slots = await asAsn.get<CounselorSlotsView>(`/counselors/${counselorId}/slots`);
    const startsAt = slots.body.data!.slots.map((s) => s.startsAt).find((s) => Date.parse(s) > Date.now() + 48 * HOUR)!;
    const booking = (await asAsn.post<BookingView>('/bookings', { counselorId, startsAt })).body.data!;
    await h.t.platform.notifications.service.idle();

    const { page, context } = await h.signIn(asn.email, asn.password);
    await page.getByRole('link', { name: 'Jadwal saya', exact: true }).click();
    const ics = page.locator(`[data-testid="my-booking"][data-starts-at="${booking.startsAt}"]`).getByTestId('booking-ics');
    await ics.waitFor();
    const file = await context.request.get(new URL((await ics.getAttribute('href'))!, h.baseUrl).toString());
    expect(file.status()).toBe(200);
    expect(file.headers()['content-type']).toMatch(/^text\/calendar/);
    expect(await file.text()).toContain('SUMMARY:Janji CARE ASN');

    // The day-before reminder arrives while the ASN is on this page.
    clockMs = Date.parse(booking.startsAt) - 24 * HOUR + 60_000;
    const reminder = page.getByTestId('reminder');
    await reminder.waitFor();
    expect(await reminder.textContent()).toContain('Pengingat: janji CARE ASN Anda pada');
    expect(await page.getByTestId('reminders').getAttribute('aria-live')).toBe('polite');
    expect(await seriousViolations(page)).toEqual([]);
    if (screenshots) await page.screenshot({ path: '/tmp/reminders-ui-banner.png', fullPage: true });

    // It stays across pages until dismissed.
    await page.getByRole('link', { name: 'Sesi konseling', exact: true }).click();
    await page.waitForURL('**/appointments');
    await reminder.waitFor();
    await page.getByRole('button', { name: 'Tutup pengingat' }).click();
    await reminder.waitFor({ state: 'detached' });

    // The outbox, linked from the header in development: the reminder, then the invitation.
    await page.getByRole('link', { name: 'Kotak keluar (dev)' }).click();
    await page.waitForURL('**/dev/outbox');
    const mails = page.getByTestId('outbox-mail');
    await mails.first().waitFor();
    expect(await mails.count()).toBe(2);
    expect(await mails.nth(0).getByRole('heading').textContent()).toMatch(/^Pengingat: janji CARE ASN Anda/);
    expect(await mails.nth(1).getByRole('heading').textContent()).toMatch(/^Janji CARE ASN: /);
    expect(await mails.nth(1).getByRole('link', { name: 'Unduh undangan kalender (.ics)' }).getAttribute('download')).toBe('janji-care-asn.ics');
    expect(await seriousViolations(page)).toEqual([]);
    if (screenshots) await page.screenshot({ path: '/tmp/reminders-ui-outbox.png', fullPage: true });

    // A circle meeting's reminder says it is a group session, never its topic, and leads to the circles.
    const counselorCookie = await login(url, counselor.email, counselor.password);
    const asnCookie = await login(url, asn.email, asn.password);
    const circleStart = Date.parse(booking.startsAt) + 6 * HOUR;
    const created = await postJson(`${url}/api/circles`, counselorCookie, { topic: 'Menjaga semangat kerja', firstStartsAt: new Date(circleStart).toISOString() });
    expect(created.status).toBe(201);
    const circleId = ((await created.json()) as { data: { id: string } }).data.id;
    expect((await postJson(`${url}/api/circles/${circleId}/enrol`, asnCookie, {})).status).toBe(200);
    clockMs = circleStart - 24 * HOUR + 60_000;
    const group = page.locator('[data-testid="reminder"][data-session="circle_meeting"]');
    await group.waitFor();
    expect(await group.textContent()).toContain('Pengingat: sesi kelompok CARE ASN Anda pada');
    expect(await group.textContent()).not.toContain('semangat');
    expect(await group.getByRole('link', { name: 'Lihat kelompok' }).getAttribute('href')).toBe('/circles');
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('lets a person choose their time zone, email and each reminder, by keyboard, and keeps the choice', { timeout: 120_000 }, async () => {
    const { page } = await h.signIn(asn.email, asn.password);
    await page.getByRole('link', { name: 'Preferensi', exact: true }).click();
    await page.waitForURL('**/account/preferences');
    const wib = page.getByLabel('WIB — Waktu Indonesia Barat (Jakarta)');
    const wita = page.getByLabel('WITA — Waktu Indonesia Tengah (Makassar)');
    const email = page.getByLabel('Kirim undangan kalender dan pengingat ke email saya');
    const dayBefore = page.getByLabel('1 hari sebelumnya');
    const soon = page.getByLabel('15 menit sebelumnya');
    await email.waitFor();
    expect([await wib.isChecked(), await email.isChecked(), await dayBefore.isChecked(), await soon.isChecked()]).toEqual([true, true, true, true]);
    expect(await seriousViolations(page)).toEqual([]);

    // By keyboard: arrows move within the zones, space toggles a box, Enter on the button saves.
    await wib.focus();
    await page.keyboard.press('ArrowDown');
    expect(await wita.isChecked()).toBe(true);
    await email.focus();
    await page.keyboard.press('Space');
    await dayBefore.focus();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Simpan pilihan' }).focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('settings-saved').waitFor();
    expect(await page.getByRole('status').textContent()).toContain('Preferensi tersimpan.');

    await page.reload();
    await email.waitFor();
    expect([await wita.isChecked(), await email.isChecked(), await dayBefore.isChecked(), await soon.isChecked()]).toEqual([true, false, false, true]);
    await soon.uncheck();
    expect(await page.getByTestId('no-reminders').textContent()).toContain('Tanpa pengingat');
    expect(await seriousViolations(page)).toEqual([]);
    if (screenshots) await page.screenshot({ path: '/tmp/reminders-ui-settings.png', fullPage: true });

    // Times elsewhere now read in WITA.
    await page.getByRole('link', { name: 'Cari konselor', exact: true }).click();
    await page.getByText('Semua waktu ditampilkan dalam WITA (Asia/Makassar).').first().waitFor();
  });
});
