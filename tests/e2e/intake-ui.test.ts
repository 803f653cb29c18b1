import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { answerIntake, intakeScene } from '../support/intake-scene.js';
import { seriousViolations } from '../support/session-flow.js';
import type { TestAccount } from '../integration/scheduling/scheduling-app.js';

const [dewi, asn] = demoAccounts;
let h: BrowserHarness;
let other: TestAccount;

beforeAll(async () => {
  h = await BrowserHarness.start();
  ({ other } = await intakeScene(h));
});
afterAll(async () => {
  await h?.close();
});

describe('intake and matching in Chromium (Indonesian)', () => {
  it('an ASN answers the intake, gets counselors ranked for it, and books the first one\'s free time', { timeout: 240_000 }, async () => {
    const { page } = await h.signIn(asn.email, asn.password);
    await page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name: 'Mulai di sini', exact: true }).click();
    await page.getByTestId('intake').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await answerIntake(page, { language: 'Bahasa Indonesia', gender: 'Perempuan', topic: 'Stres kerja', urgency: 'Tidak mendesak' });
    expect(await page.getByTestId('intake-crisis').count()).toBe(0);

    const first = page.getByTestId('match').first();
    expect(await first.locator('h3').textContent()).toBe(dewi.displayName);
    for (const chip of ['Bahasa sesuai', 'Menangani topik ini', 'Sesuai pilihan Anda']) expect(await first.textContent()).toContain(chip);
    const names = await page.getByTestId('match').locator('h3').allTextContents();
    expect(names.indexOf(dewi.displayName)).toBeLessThan(names.indexOf(other.displayName));
    expect(await seriousViolations(page)).toEqual([]);

    await first.getByTestId('match-slot').first().click();
    await page.getByTestId('intake-confirm').waitFor();
    expect(await page.getByTestId('intake-confirm').textContent()).toContain(dewi.displayName);
    await page.getByRole('button', { name: 'Ya, pesan sesi ini' }).click();
    await page.getByTestId('intake-booked').waitFor();
    expect(await page.getByTestId('intake-booked').textContent()).toContain(`Sesi Anda bersama ${dewi.displayName}`);
    expect(await seriousViolations(page)).toEqual([]);
    const dewiId = (await h.t.platform.db.users.findOne({ email: dewi.email }).lean())!._id;
    const asnId = (await h.t.platform.db.users.findOne({ email: asn.email }).lean())!._id;
    expect(await h.t.platform.db.appointments.countDocuments({ counselorId: dewiId, clientId: asnId, startsAt: { $gt: new Date(Date.now() + 86_400_000) } })).toBe(1);
  });

  it('"urgent": the crisis panel opens with the help lines, and the earliest free time comes first', { timeout: 240_000 }, async () => {
    const { page } = await h.signIn(asn.email, asn.password);
    await answerIntake(page, { language: 'Bahasa Indonesia', gender: 'Perempuan', topic: 'Stres kerja', urgency: 'Saya butuh bicara dengan seseorang secepatnya' });
    const crisis = page.getByTestId('intake-crisis');
    await crisis.waitFor();
    expect(await crisis.getAttribute('role')).toBe('alert');
    expect(await crisis.getByTestId('help-panel').getAttribute('open')).not.toBeNull();
    expect(await crisis.textContent()).toMatch(/119|112/);
    // The other counselor takes sessions at an hour's notice, the demo counselor at two days': he is free sooner.
    expect(await page.getByTestId('match').first().locator('h3').textContent()).toBe(other.displayName);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
