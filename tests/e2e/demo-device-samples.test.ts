import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { seriousViolations } from '../support/session-flow.js';
import { login } from '../support/test-platform.js';

/*
 * The demo shows what only a device holds (issue 13: "the demo seed shows
 * each"): on a seeded demo server an ASN's check-in and plan pages offer to
 * fill this device with a sample plan and check-in history, made in the
 * browser. The offer is for an ASN only, and only into an empty vault.
 */

const [counselor, asn] = demoAccounts;
let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start();
});
afterAll(async () => {
  await h?.close();
});

describe('the demo on a device', () => {
  it('offers the samples to an ASN with an empty device: three WHO-5 check-ins in the chart and a plan half worked through', { timeout: 240_000 }, async () => {
    const { page } = await h.signIn(asn.email, asn.password);
    page.setDefaultTimeout(60_000);
    await page.goto(`${h.baseUrl}/check-in`);
    const offer = page.getByTestId('demo-device-offer');
    await offer.waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    await offer.getByRole('button', { name: 'Muat contoh' }).click();
    await expect.poll(() => page.getByTestId('trend-table-who5').locator('tbody tr').count(), { timeout: 60_000 }).toBe(3);
    expect(problems).toEqual([]);
    expect(await offer.count()).toBe(0);

    await page.goto(`${h.baseUrl}/rencana`);
    await page.getByTestId('plan-form').waitFor();
    expect(await page.getByTestId('plan-change').inputValue()).toContain('laporan bulanan');
    expect(await page.getByTestId('plan-step').count()).toBe(3);
    expect(await page.getByTestId('plan-step').first().getAttribute('data-done')).toBe('true');
    // Not offered again once the device holds something.
    expect(await page.getByTestId('demo-device-offer').count()).toBe(0);
  });

  it('answers only an ASN on a demo server', async () => {
    const asCounselor = await fetch(`${h.baseUrl}/api/dev/demo-device`, { headers: { cookie: await login(h.baseUrl, counselor.email, counselor.password) } });
    expect(asCounselor.status).toBe(403);
    expect((await fetch(`${h.baseUrl}/api/dev/demo-device`)).status).toBe(401);
    const asAsn = await fetch(`${h.baseUrl}/api/dev/demo-device`, { headers: { cookie: await login(h.baseUrl, asn.email, asn.password) } });
    expect(await asAsn.json()).toEqual({ ok: true, data: { samples: true } });
  });
});
