import { demoAccounts } from '@care/server';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';

const [counselor, asn] = demoAccounts;
const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
/** Set BOOKING_UI_SCREENSHOTS=1 to keep screenshots of the pages in /tmp. */
const screenshots = process.env.BOOKING_UI_SCREENSHOTS === '1';
let h: BrowserHarness;

/** A link of the schedule navigation. */
function navLink(page: Page, name: string): Locator {
  return page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name, exact: true });
}

beforeAll(async () => {
  h = await BrowserHarness.start();
});

afterAll(async () => {
  await h?.close();
});

async function shot(page: Page, name: string): Promise<void> {
  if (screenshots) await page.screenshot({ path: `/tmp/booking-ui-${name}.png`, fullPage: true });
}

async function fillRange(range: Locator, start: string, end: string): Promise<void> {
  await range.getByTestId('range-start').fill(start);
  await range.getByTestId('range-end').fill(end);
}

describe('booking pages in two Chromium contexts', () => {
  it('counselor sets availability; the ASN books, reschedules and cancels; the counselor calendar follows live', { timeout: 240_000 }, async () => {
    // The counselor opens the availability editor from the navigation.
    const { page: host } = await h.signIn(counselor.email, counselor.password);
    await navLink(host, 'Ketersediaan').click();
    await host.getByTestId('availability-form').waitFor();
    expect(await seriousViolations(host)).toEqual([]);

    // A range that ends before it starts: the server's issue shows beside that range.
    await host.getByTestId('add-range-mon').click();
    const monday = host.locator('[data-weekday="mon"] [data-testid="range"]').first();
    await fillRange(monday, '12:00', '10:00');
    await host.getByTestId('save-availability').click();
    await host.getByTestId('availability-error').waitFor();
    expect(await monday.getByTestId('range-issue').textContent()).toContain('Jam selesai harus setelah jam mulai');
    expect(await seriousViolations(host)).toEqual([]);

    // Fixed, every day 08:00–17:00, and at least 48 hours' notice so every slot is before the 24-hour cut-off.
    await fillRange(monday, '08:00', '17:00');
    for (const day of weekdays.slice(1)) {
      await host.getByTestId(`add-range-${day}`).click();
      await fillRange(host.locator(`[data-weekday="${day}"] [data-testid="range"]`).first(), '08:00', '17:00');
    }
    await host.getByLabel('Pemesanan paling lambat (jam sebelumnya)').fill('48');
    await host.getByTestId('save-availability').click();
    await host.getByTestId('availability-saved').waitFor();
    await shot(host, 'availability');

    // The counselor watches their calendar; the marker proves it is never reloaded.
    await navLink(host, 'Kalender saya').click();
    await host.getByTestId('calendar').waitFor();
    await host.evaluate(() => ((window as unknown as { calendarMarker: boolean }).calendarMarker = true));

    // The ASN finds the counselor and books their first free slot, after confirming.
    const { page: client } = await h.signIn(asn.email, asn.password);
    await navLink(client, 'Cari konselor').click();
    await client.getByTestId('counselor').first().waitFor();
    expect(await seriousViolations(client)).toEqual([]);
    await client.getByTestId('counselor').filter({ hasText: counselor.displayName }).getByTestId('choose-counselor').click();
    const firstSlot = client.getByTestId('slot').first();
    await firstSlot.waitFor();
    const booked = await firstSlot.getAttribute('data-starts-at');
    expect(booked).toBeTruthy();
    await firstSlot.click();
    await client.getByTestId('booking-confirm').waitFor();
    await shot(client, 'find-confirm');
    await client.getByTestId('confirm-booking').click();
    await client.getByTestId('booking-success').waitFor();
    expect(await client.getByTestId('booking-success').getAttribute('data-starts-at')).toBe(booked);
    expect(await seriousViolations(client)).toEqual([]);
    await shot(client, 'find-booked');

    // The counselor's calendar shows it without a reload, with the client's name.
    const inCalendar = (startsAt: string) => host.locator(`[data-testid="calendar-booking"][data-starts-at="${startsAt}"]`);
    await inCalendar(booked!).waitFor();
    expect(await inCalendar(booked!).textContent()).toContain(asn.displayName);

    // "Jadwal saya": the seeded session starting now is past the cut-off and says so.
    await navLink(client, 'Jadwal saya').click();
    const mine = client.locator(`[data-testid="my-booking"][data-starts-at="${booked}"]`);
    await mine.waitFor();
    expect(await client.getByTestId('past-cutoff').count()).toBeGreaterThan(0);

    // The ASN moves it to another free slot of the same counselor.
    await mine.getByTestId('reschedule').click();
    const newSlot = mine.getByTestId('slot').first();
    await newSlot.waitFor();
    const moved = await newSlot.getAttribute('data-starts-at');
    expect(moved).toBeTruthy();
    expect(moved).not.toBe(booked);
    await newSlot.click();
    await shot(client, 'reschedule');
    await mine.getByTestId('confirm-reschedule').click();
    await client.getByTestId('my-bookings-notice').filter({ hasText: 'dipindahkan' }).waitFor();
    await inCalendar(moved!).waitFor();
    await inCalendar(booked!).waitFor({ state: 'detached' });

    // And cancels it: gone from the counselor's calendar, live.
    const movedMine = client.locator(`[data-testid="my-booking"][data-starts-at="${moved}"]`);
    await movedMine.getByTestId('cancel').click();
    await movedMine.getByTestId('confirm-cancel').click();
    await client.getByTestId('my-bookings-notice').filter({ hasText: 'dibatalkan' }).waitFor();
    await inCalendar(moved!).waitFor({ state: 'detached' });
    await shot(host, 'calendar');

    expect(await host.evaluate(() => (window as unknown as { calendarMarker?: boolean }).calendarMarker)).toBe(true);
  });

  it('counselor sets a profile and days off; the ASN sees the profile, filters by it, and finds no slot on a day off', { timeout: 180_000 }, async () => {
    /** A local date in WIB, `offset` days from today. */
    const wibDate = (offset: number) => new Date(Date.now() + 7 * 3_600_000 + offset * 86_400_000).toISOString().slice(0, 10);
    const { page: host } = await h.signIn(counselor.email, counselor.password);
    await navLink(host, 'Ketersediaan').click();
    await host.getByTestId('availability-form').waitFor();

    await host.getByLabel('Bahasa Jawa').check();
    await host.getByLabel('Duka dan kehilangan').check();

    // Two days off, added out of order, shown in order; a past date is refused beside the picker; one is removed again.
    const picker = host.getByTestId('day-off-date');
    for (const offset of [5, 3, 8]) {
      await picker.fill(wibDate(offset));
      await host.getByTestId('add-day-off').click();
    }
    expect(await host.getByTestId('day-off').evaluateAll((items) => items.map((i) => i.getAttribute('data-date')))).toEqual([wibDate(3), wibDate(5), wibDate(8)]);
    await picker.fill(wibDate(-2));
    await picker.press('Enter');
    expect(await host.getByTestId('day-off-problem').textContent()).toContain('sudah lewat');
    expect(await host.getByTestId('day-off-status').textContent()).toBe('');
    await host.locator(`[data-testid="day-off"][data-date="${wibDate(8)}"]`).getByTestId('remove-day-off').click();
    expect(await host.getByTestId('day-off-status').textContent()).toContain('dihapus');
    expect(await seriousViolations(host)).toEqual([]);
    await host.getByTestId('save-availability').click();
    await host.getByTestId('availability-saved').waitFor();
    await shot(host, 'profile-days-off');

    // Read back after a reload.
    await host.reload();
    await host.getByTestId('availability-form').waitFor();
    expect(await host.getByLabel('Bahasa Jawa').isChecked()).toBe(true);
    expect(await host.getByLabel('Bahasa Sunda').isChecked()).toBe(false);
    expect(await host.getByTestId('day-off').evaluateAll((items) => items.map((i) => i.getAttribute('data-date')))).toEqual([wibDate(3), wibDate(5)]);

    // The ASN sees the profile by name and filters by it.
    const { page: client } = await h.signIn(asn.email, asn.password);
    await navLink(client, 'Cari konselor').click();
    const card = client.getByTestId('counselor').filter({ hasText: counselor.displayName });
    await card.waitFor();
    expect(await card.getByTestId('counselor-languages').textContent()).toContain('Bahasa Jawa');
    expect(await card.getByTestId('counselor-specialities').textContent()).toContain('Duka dan kehilangan');
    await client.getByLabel('Bahasa sesi').selectOption('su');
    await client.getByTestId('apply-filter').click();
    await client.getByTestId('no-counselors').waitFor();
    expect(await client.getByTestId('filter-status').textContent()).toContain('Tidak ada konselor');
    await client.getByLabel('Bahasa sesi').selectOption('jv');
    await client.getByLabel('Bidang').selectOption('duka');
    await client.getByTestId('apply-filter').click();
    await card.waitFor();
    expect(await client.getByTestId('filter-status').textContent()).toMatch(/\d+ konselor sesuai saringan/);
    expect(await seriousViolations(client)).toEqual([]);
    await shot(client, 'find-filtered');

    // No free time on a day off.
    await card.getByTestId('choose-counselor').click();
    await client.getByTestId('slot').first().waitFor();
    const slotDays = await client.getByTestId('slot').evaluateAll((slots) =>
      slots.map((s) => new Date(Date.parse(s.getAttribute('data-starts-at') ?? '') + 7 * 3_600_000).toISOString().slice(0, 10)),
    );
    expect(slotDays).not.toContain(wibDate(3));
    expect(slotDays).not.toContain(wibDate(5));
    expect(slotDays).toContain(wibDate(4));
  });
});
