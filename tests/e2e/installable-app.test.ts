import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunch, policyViolations, recordPolicyViolations } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { horizontalOverflow, newPhoneContext, phoneScreenshot } from '../support/phone.js';
import { activeServiceWorker, cachedEntries, untilInPage } from '../support/service-worker.js';
import { seriousViolations } from '../support/session-flow.js';

/*
 * The app on a phone's home screen: a manifest Chromium finds installable,
 * a service worker that keeps the build's shell and nothing else, an offline
 * page that shows this deployment's crisis lines, and a new build that takes
 * over without breaking a page that is open. The server serves a copy of the
 * build, so the last test can publish a "new build" of the service worker.
 */
const webBuild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build');
const LINES = [
  { name: { id: 'Layanan Jiwa Provinsi Uji', en: 'Provincial Test Line' }, number: '0800 123 4567 ext 2' },
  { name: { id: 'Darurat', en: 'Emergency' }, number: '112' },
];
let buildCopy: string;
let profile: string;
let h: BrowserHarness;

beforeAll(async () => {
  buildCopy = await mkdtemp(path.join(tmpdir(), 'care-web-build-'));
  profile = await mkdtemp(path.join(tmpdir(), 'care-chromium-profile-'));
  await cp(webBuild, buildCopy, { recursive: true });
  h = await BrowserHarness.start({ WEB_BUILD_DIR: buildCopy, CRISIS_HOTLINES: JSON.stringify(LINES) });
});
afterAll(async () => {
  await h?.close();
  for (const dir of [buildCopy, profile]) if (dir) await rm(dir, { recursive: true, force: true });
});

/** A browser profile of its own, as a person's phone has (an incognito context can never install an app). */
async function personalProfile(): Promise<BrowserContext> {
  const context = h.track(await chromium.launchPersistentContext(profile, { ...chromiumLaunch(), baseURL: h.baseUrl }));
  await recordPolicyViolations(context);
  return context;
}

interface WorkerVersion {
  versionId: string;
  scriptURL: string;
  status: string;
}

/**
 * Watches the origin's service worker versions through DevTools from a page
 * that is not one of its clients (about:blank), until the `nth` version of the
 * script is the activated one.
 */
async function activatedVersion(blank: Page, scriptUrl: string, nth: number): Promise<void> {
  const cdp = await blank.context().newCDPSession(blank);
  const versions = new Map<string, WorkerVersion>();
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`version ${nth} of the worker did not activate: ${JSON.stringify([...versions.values()])}`)), 30_000);
    cdp.on('ServiceWorker.workerVersionUpdated', ({ versions: updated }: { versions: WorkerVersion[] }) => {
      for (const version of updated) if (version.scriptURL === scriptUrl) versions.set(version.versionId, version);
      const ordered = [...versions.values()].sort((a, b) => Number(a.versionId) - Number(b.versionId));
      if (ordered.length >= nth && ordered[nth - 1]?.status === 'activated') {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await cdp.send('ServiceWorker.enable');
  await done;
  await cdp.detach();
}

/** Width and height from a PNG's IHDR chunk. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('an app on the phone: installable, with an offline page', () => {
  let context: BrowserContext;
  let page: Page;

  it('installs: Chromium finds no installability error, the manifest names it discreetly, the worker covers the app', { timeout: 120_000 }, async () => {
    context = await personalProfile();
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto('/');
    await page.getByLabel('Email').waitFor();
    const worker = await activeServiceWorker(page);
    expect(worker.scope).toBe(`${h.baseUrl}/`);
    expect(worker.scriptUrl).toBe(`${h.baseUrl}/service-worker.js`);
    expect(worker.state).toBe('activated');

    const cdp = await context.newCDPSession(page);
    const manifest = (await cdp.send('Page.getAppManifest')) as { url: string; errors: unknown[]; data?: string };
    expect(manifest.url).toBe(`${h.baseUrl}/manifest.webmanifest`);
    expect(manifest.errors).toEqual([]);
    // On a home screen someone else may see: the app's name, nothing about counseling.
    const parsed = JSON.parse(manifest.data ?? '{}') as { name: string; short_name: string; description: string; start_url: string; scope: string; display: string; icons: Array<{ src: string; sizes: string; type: string; purpose: string }> };
    expect(parsed).toMatchObject({ name: 'CARE ASN', short_name: 'CARE ASN', start_url: '/', scope: '/', display: 'standalone' });
    expect(`${parsed.name} ${parsed.short_name} ${parsed.description}`).not.toMatch(/konsel|counsel|terapi|therap|jiwa|mental|stres/i);
    const { installabilityErrors } = (await cdp.send('Page.getInstallabilityErrors')) as { installabilityErrors: Array<{ errorId: string }> };
    expect(installabilityErrors.map((e) => e.errorId)).toEqual([]);

    // Each PNG icon is there, as big as the manifest says.
    for (const icon of parsed.icons.filter((i) => i.type === 'image/png')) {
      const response = await fetch(`${h.baseUrl}${icon.src}`);
      expect(response.status, icon.src).toBe(200);
      expect(response.headers.get('content-type'), icon.src).toBe('image/png');
      const { width, height } = pngSize(Buffer.from(await response.arrayBuffer()));
      expect(`${width}x${height}`, icon.src).toBe(icon.sizes);
    }
    expect(parsed.icons.some((i) => i.purpose === 'maskable')).toBe(true);
    // The worker's script is always asked for afresh, so a new build is found at once; it runs under the policy.
    const script = await fetch(`${h.baseUrl}/service-worker.js`);
    expect(script.headers.get('cache-control')).toBe('no-cache');
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(await policyViolations(page)).toEqual([]);
  });

  it('keeps the shell only: this build’s files, the static files and the offline page, in one cache', async () => {
    const entries = await cachedEntries(page);
    const names = [...new Set(entries.map((e) => e.cache))];
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^care-asn-shell-\d+$/);
    const paths = entries.map((e) => new URL(e.url).pathname);
    expect(paths).toContain('/offline');
    expect(paths).toContain('/manifest.webmanifest');
    expect(paths).toContain('/icons/icon-192.png');
    expect(paths.some((p) => p.startsWith('/_app/immutable/entry/'))).toBe(true);
    // The E2EE frame worker is fetched as if there were no service worker.
    expect(paths.some((p) => p.startsWith('/_app/immutable/workers/'))).toBe(false);
    // Nothing else: no page, no API answer, no Socket.IO, nothing with a query.
    // The self-help library is static too, so it can be read offline.
    expect(paths).toContain('/bantuan-diri/index.html');
    const unexpected = paths.filter(
      (p) => !(p.startsWith('/_app/immutable/') || p.startsWith('/icons/') || p.startsWith('/bantuan-diri/') || p === '/manifest.webmanifest' || p === '/offline'),
    );
    expect(unexpected).toEqual([]);
    expect(entries.every((e) => e.status === 200 && new URL(e.url).search === '')).toBe(true);
  });

  it('offline, any page of the app shows the offline page with this deployment’s crisis lines, styled, on a phone', { timeout: 120_000 }, async () => {
    const phone = h.track(await newPhoneContext(h.browser, h.baseUrl));
    const phonePage = await phone.newPage();
    await phonePage.goto('/');
    await activeServiceWorker(phonePage);
    await phone.setOffline(true);
    for (const address of ['/appointments', '/session/000000000000000000000000', '/circles?x=1', '/']) {
      await phonePage.goto(address);
      await phonePage.getByTestId('offline-page').waitFor();
      expect(phonePage.url(), address).toBe(`${h.baseUrl}${address}`);
      const [indonesian, english] = await phonePage.getByTestId('offline-help-lines').all();
      expect(await indonesian!.textContent(), address).toBe('Layanan Jiwa Provinsi Uji: 0800 123 4567 ext 2Darurat: 112');
      expect(await english!.textContent(), address).toBe('Provincial Test Line: 0800 123 4567 ext 2Emergency: 112');
      expect(await indonesian!.getByRole('link').first().getAttribute('href')).toBe('tel:08001234567');
      // The stylesheet came from the cache too: the way back is a button in the app's colour, the lines big enough to tap.
      const retry = phonePage.getByRole('link', { name: 'Coba lagi' });
      expect(await retry.evaluate((a) => getComputedStyle(a).backgroundColor)).toBe('rgb(31, 111, 120)');
      expect((await indonesian!.getByRole('link').first().boundingBox())?.height).toBeGreaterThanOrEqual(44);
      expect(await horizontalOverflow(phonePage), address).toBe(0);
    }
    expect(await seriousViolations(phonePage)).toEqual([]);
    expect(await policyViolations(phonePage)).toEqual([]);
    await phoneScreenshot(phonePage, 'offline-page');

    // An API call is never answered from a cache: offline, it fails.
    // (The public help lines may sit in the browser's HTTP cache for 5 minutes, which the service worker is not: asked past it.)
    const apiOffline = await phonePage.evaluate(() =>
      Promise.all(
        ['/api/help-lines', '/api/auth/me', '/api/auth/csrf'].map((path) =>
          fetch(path, { cache: 'no-store' }).then(
            (r) => `${path} answered ${r.status}`,
            () => `${path} failed`,
          ),
        ),
      ),
    );
    expect(apiOffline).toEqual(['/api/help-lines failed', '/api/auth/me failed', '/api/auth/csrf failed']);

    await phone.setOffline(false);
    await phonePage.getByRole('link', { name: 'Coba lagi' }).tap();
    await phonePage.getByLabel('Email').waitFor();
  });

  it('a new build takes over without breaking the page that is open, and removes the old shell', { timeout: 120_000 }, async () => {
    // The page is controlled by the first build's worker once it is loaded again.
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const [oldCache] = [...new Set((await cachedEntries(page)).map((e) => e.cache))];

    // Publish a new build of the worker (its version is its cache's name).
    const scriptFile = path.join(buildCopy, 'service-worker.js');
    const script = await readFile(scriptFile, 'utf8');
    const version = /version:`(\d+)`/.exec(script)?.[1];
    expect(version).toBeDefined();
    const next = String(Number(version) + 1);
    await writeFile(scriptFile, script.replace(`version:\`${version}\``, `version:\`${next}\``));

    // The new worker installs beside the old one and waits: the open page keeps its shell.
    await page.evaluate(async () => (await navigator.serviceWorker.getRegistration())?.update());
    await untilInPage(page, () => navigator.serviceWorker.getRegistration().then((r) => r?.waiting?.state === 'installed'), undefined, 'the new worker waits');
    expect(new Set((await cachedEntries(page)).map((e) => e.cache))).toEqual(new Set([oldCache, `care-asn-shell-${next}`]));
    await page.getByLabel('Email').fill('still-works@demo.care-asn.id');

    // Once no page uses the old build, the new worker takes over and the old shell is gone.
    await page.close();
    page = await context.newPage();
    await activatedVersion(page, `${h.baseUrl}/service-worker.js`, 2);
    await page.goto('/');
    await untilInPage(page, (cache) => caches.keys().then((names) => names.length === 1 && names[0] === cache), `care-asn-shell-${next}`, 'only the new shell is left');
    const worker = await activeServiceWorker(page);
    expect(worker.state).toBe('activated');
    await page.getByLabel('Email').waitFor();
    expect(await policyViolations(page)).toEqual([]);
  });
});
