import { demoAccounts } from '@care/server';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyViolations, recordPolicyViolations } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { activeServiceWorker, cachedEntries, needlesInCaches } from '../support/service-worker.js';

/*
 * The service worker is the one part of the app that keeps anything on a
 * phone between visits. What a hostile page, another person on a shared phone
 * or a crafted address can get out of it: it must hold the build's shell and
 * nothing else, whatever it is asked; no other script of ours can take its
 * place; and the offline page shows the configured lines as text, never as
 * markup.
 */
const [counselor, asn] = demoAccounts;
const MARKUP_LINE = { name: { id: '<img src=x onerror="window.__pwned=1">Garis <b>uji</b>', en: 'Test & "line"' }, number: '0800 1 2 3' };
let h: BrowserHarness;
let context: BrowserContext;
let page: Page;
let shellBefore: string[];

beforeAll(async () => {
  h = await BrowserHarness.start({ CRISIS_HOTLINES: JSON.stringify([MARKUP_LINE]) });
  context = h.track(await h.browser.newContext({ baseURL: h.baseUrl }));
  await recordPolicyViolations(context);
  page = await context.newPage();
  await page.goto('/');
  await activeServiceWorker(page);
  // Signed in, on a page the service worker controls.
  await page.getByLabel('Email').fill(asn.email);
  await page.getByLabel('Kata sandi').fill(asn.password);
  await page.getByRole('button', { name: 'Masuk' }).click();
  await page.waitForURL('**/appointments');
  await page.reload();
  await page.getByTestId('appointment').first().waitFor();
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  shellBefore = (await cachedEntries(page)).map((e) => e.url).sort();
});
afterAll(() => h?.close());

describe('the service worker under attack', () => {
  it('stores nothing a page asks for, however the address is dressed up: API, Socket.IO, queries, case, navigations', { timeout: 120_000 }, async () => {
    const start = shellBefore.map((url) => new URL(url).pathname).find((p) => p.startsWith('/_app/immutable/entry/'));
    expect(start).toBeDefined();
    const asked = await page.evaluate(async (entry) => {
      const addresses = [
        '/api/auth/me',
        '/api/appointments',
        '/API/auth/me',
        '/api/auth/me/',
        '/api//auth/me',
        '/api/help-lines',
        `${entry}?/api/auth/me`,
        '/offline?/api/auth/me',
        '/manifest.webmanifest?x=1',
        '/socket.io/?EIO=4&transport=polling',
        '/appointments',
        '/session/000000000000000000000000',
      ];
      const statuses: Record<string, number | string> = {};
      for (const address of addresses) {
        statuses[address] = await fetch(address, { credentials: 'same-origin' }).then(
          (r) => r.status,
          (e: unknown) => String(e),
        );
      }
      return statuses;
    }, start!);
    // Real answers came back (the API knew who was asking)…
    expect(asked['/api/auth/me']).toBe(200);
    expect(asked['/api/appointments']).toBe(200);
    // …and full page loads of personal pages and of the API, in the controlled tab.
    for (const address of ['/api/auth/me', '/api/appointments', '/appointments']) await page.goto(address);
    await page.goto('/appointments');
    await page.getByTestId('appointment').first().waitFor();

    // The cache is exactly what was installed: not one entry more.
    expect((await cachedEntries(page)).map((e) => e.url).sort()).toEqual(shellBefore);
    const cookie = (await context.cookies()).find((c) => c.name === 'care_session')?.value ?? '';
    expect(await needlesInCaches(page, [asn.displayName, counselor.displayName, asn.email, cookie, '"ok":true'])).toEqual([]);
  });

  it('answers no API call from a cache when the network is gone', async () => {
    await context.setOffline(true);
    const offline = await page.evaluate(() =>
      Promise.all(
        ['/api/auth/me', '/API/auth/me', '/api/appointments', '/api/help-lines', '/socket.io/?EIO=4&transport=polling'].map((address) =>
          fetch(address, { cache: 'no-store' }).then(
            (r) => `${address}: answered ${r.status}`,
            () => `${address}: failed`,
          ),
        ),
      ),
    );
    expect(offline.every((line) => line.endsWith(': failed'))).toBe(true);
    await context.setOffline(false);
  });

  it('lets no other address of the origin become the service worker, and never widens a scope', async () => {
    const attempts = await page.evaluate(async () => {
      const tries: Array<[string, RegistrationOptions]> = [
        ['/api/help-lines', { scope: '/' }],
        ['/api/auth/me', { scope: '/' }],
        ['/offline', { scope: '/' }],
        ['/manifest.webmanifest', { scope: '/' }],
        ['/icons/icon.svg', { scope: '/' }],
        ['/no-such-script.js', { scope: '/' }],
      ];
      const entry = performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname).find((p) => p.startsWith('/_app/immutable/chunks/'));
      // One of our own modules, asked to control the whole app from a deeper folder.
      if (entry) tries.push([entry, { scope: '/', type: 'module' }]);
      const results: string[] = [];
      for (const [url, options] of tries) {
        results.push(
          await navigator.serviceWorker.register(url, options).then(
            (r) => `${url}: REGISTERED ${r.scope}`,
            (e: unknown) => `${url}: refused (${(e as Error).name})`,
          ),
        );
      }
      const registrations = await navigator.serviceWorker.getRegistrations();
      return { results, scripts: registrations.map((r) => (r.active ?? r.waiting ?? r.installing)?.scriptURL) };
    });
    expect(attempts.results.filter((r) => r.includes('REGISTERED'))).toEqual([]);
    expect(attempts.results).toHaveLength(7);
    expect(attempts.scripts).toEqual([`${h.baseUrl}/service-worker.js`]);
    // No answer ever lets a script claim a wider scope than its folder.
    for (const address of ['/service-worker.js', '/', '/offline', '/api/help-lines', '/_app/version.json']) {
      expect((await fetch(`${h.baseUrl}${address}`)).headers.get('service-worker-allowed'), address).toBeNull();
    }
  });

  it('after signing out on a shared phone, the offline page and the caches say nothing about who used it', { timeout: 120_000 }, async () => {
    await page.goto('/appointments');
    await page.getByRole('button', { name: 'Keluar' }).click();
    await page.getByLabel('Email').waitFor();
    expect((await context.cookies()).some((c) => c.name === 'care_session' && c.value !== '')).toBe(false);
    await context.setOffline(true);
    await page.goto('/appointments');
    await page.getByTestId('offline-page').waitFor();
    const text = (await page.textContent('body')) ?? '';
    for (const needle of [asn.displayName, counselor.displayName, asn.email]) expect(text).not.toContain(needle);
    expect(await needlesInCaches(page, [asn.displayName, counselor.displayName, asn.email])).toEqual([]);

    // The configured line is shown as text: its markup is not the page's.
    const [indonesian] = await page.getByTestId('offline-help-lines').all();
    expect(await indonesian!.textContent()).toBe(`${MARKUP_LINE.name.id}: ${MARKUP_LINE.number}`);
    expect(await page.locator('[data-testid="offline-help-lines"] img, [data-testid="offline-help-lines"] b').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await policyViolations(page)).toEqual([]);
    await context.setOffline(false);
  });
});
