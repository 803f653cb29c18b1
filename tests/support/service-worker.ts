import type { Page } from 'playwright-core';

/** Waits until the app's service worker is active for this page's origin, and returns its scope and cache names. */
export async function activeServiceWorker(page: Page, timeoutMs = 30_000): Promise<{ scope: string; state: string; scriptUrl: string }> {
  return page.evaluate(async (timeout) => {
    const ready = navigator.serviceWorker.ready;
    const registration = await Promise.race([ready, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no service worker became active')), timeout))]);
    const worker = registration.active;
    if (!worker) throw new Error('registration without an active worker');
    if (worker.state !== 'activated') {
      await new Promise<void>((resolve) => worker.addEventListener('statechange', () => worker.state === 'activated' && resolve()));
    }
    return { scope: registration.scope, state: worker.state, scriptUrl: worker.scriptURL };
  }, timeoutMs);
}

export interface CachedEntry {
  cache: string;
  url: string;
  status: number;
  contentType: string;
}

/** Every request the origin's caches hold, as the page sees them through the Cache API. */
export async function cachedEntries(page: Page): Promise<CachedEntry[]> {
  return page.evaluate(async () => {
    const entries: CachedEntry[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        entries.push({ cache: name, url: request.url, status: response?.status ?? 0, contentType: response?.headers.get('content-type') ?? '' });
      }
    }
    return entries;
  });
}

/** Which of `needles` appear in any cached response body (decoded as UTF-8, and as the raw bytes' Latin-1 view). */
export async function needlesInCaches(page: Page, needles: string[]): Promise<string[]> {
  return page.evaluate(async (wanted) => {
    const found = new Set<string>();
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        if (!response) continue;
        const bytes = new Uint8Array(await response.arrayBuffer());
        const text = new TextDecoder().decode(bytes);
        const latin1 = Array.from(bytes, (b) => String.fromCharCode(b)).join('');
        const headers = [...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n');
        for (const needle of wanted) {
          if (text.includes(needle) || latin1.includes(needle) || headers.includes(needle) || request.url.includes(needle)) found.add(needle);
        }
      }
    }
    return [...found];
  }, needles);
}

/** Polls an asynchronous check in the page until it holds (waitForFunction would take the promise itself for a yes). */
export async function untilInPage(page: Page, check: (arg: string | undefined) => Promise<boolean>, arg: string | undefined, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate(check, arg))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await page.waitForTimeout(200);
  }
}
