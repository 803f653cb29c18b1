import type { IncomingMessage } from 'node:http';
import { demoAccounts } from '@care/server';
import type { CounselorSummary } from '@care/shared';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../integration/accounts/accounts-app.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { login, sessionHeaders } from '../support/test-platform.js';

/*
 * What an ASN filters counselors by can say why they seek help ("grief",
 * "trauma"). It must never sit in a URL: a URL is written to proxy and
 * access logs, kept in browser history, sent on as a Referer. A real browser
 * uses the real page to filter; the server records every URL Express is
 * handed (the request line, query included) and the browser every URL it
 * requests and shows. The filter must be in none of them — only in the
 * body of one POST — and the answer must still be right.
 */

const [counselor, asn] = demoAccounts;
/** Codes that appear nowhere else in the app's URLs. */
const SPECIALITY = 'suasana-hati';
const LANGUAGE = 'bbc';

let h: BrowserHarness;
const serverUrls: string[] = [];

beforeAll(async () => {
  h = await BrowserHarness.start();
  // Every request line the HTTP server gets, before Express routes it: what an access log would write.
  h.t.platform.io.httpServer.prependListener('request', (req: IncomingMessage) => serverUrls.push(req.url ?? ''));
  const allWeek = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
  const saved = await fetch(`${h.t.url}/api/scheduling/availability`, {
    method: 'PUT',
    headers: { ...sessionHeaders(await login(h.t.url, counselor.email, counselor.password)), 'content-type': 'application/json' },
    body: JSON.stringify({ weekly: allWeek, languages: ['id', LANGUAGE], specialities: [SPECIALITY] }),
  });
  expect(saved.status).toBe(200);
});
afterAll(async () => {
  await h?.close();
});

const carriesFilter = (url: string) => url.includes(SPECIALITY) || /[?&](language|speciality)=/.test(url) || url.includes(`=${LANGUAGE}`);

describe('the counselor filter travels in a body, never in a URL', () => {
  it('a real browser filters by language and speciality: the right counselors, and no URL anywhere holds the filter', { timeout: 120_000 }, async () => {
    const { page } = await h.signIn(asn.email, asn.password);
    const browserUrls: string[] = [];
    const bodies: Array<{ url: string; method: string; body: string | null }> = [];
    page.on('request', (request: Request) => {
      browserUrls.push(request.url());
      bodies.push({ url: request.url(), method: request.method(), body: request.postData() });
    });
    await page.getByRole('navigation', { name: 'Menu jadwal' }).getByRole('link', { name: 'Cari konselor', exact: true }).click();
    const card = page.getByTestId('counselor').filter({ hasText: counselor.displayName });
    await card.waitFor();
    await page.getByLabel('Bahasa sesi').selectOption(LANGUAGE);
    await page.getByLabel('Bidang').selectOption(SPECIALITY);
    await page.getByTestId('apply-filter').click();
    await page.getByTestId('filter-status').filter({ hasText: /1 konselor sesuai saringan/ }).waitFor();
    await card.waitFor();

    // It went as a POST body.
    const search = bodies.filter((b) => b.url.endsWith('/api/scheduling/counselors/search'));
    expect(search.map((b) => [b.method, JSON.parse(b.body ?? '{}')])).toContainEqual(['POST', { language: LANGUAGE, speciality: SPECIALITY }]);
    // Nowhere in a URL: what the server was handed, what the browser asked for, what its address bar and history hold.
    expect(serverUrls.length).toBeGreaterThan(5);
    expect(serverUrls.filter(carriesFilter)).toEqual([]);
    expect(browserUrls.filter(carriesFilter)).toEqual([]);
    expect(carriesFilter(page.url())).toBe(false);
    expect(await historyOf(page)).toBe(false);
    // Nor in the logs (the database holds it only as the counselor's own profile).
    expect(h.t.logs.join('\n')).not.toContain(SPECIALITY);
  });

  it('a script that puts the filter in the URL is refused, not served', async () => {
    const asAsn = apiClient(h.t.url, await login(h.t.url, asn.email, asn.password));
    for (const query of [`speciality=${SPECIALITY}`, `language=${LANGUAGE}`, 'language=jv&speciality=duka']) {
      const answer = await asAsn.get(`/scheduling/counselors?${query}`);
      expect([query, answer.status, answer.body.error?.code]).toEqual([query, 400, 'invalid_payload']);
    }
    // The body route answers the same question without it.
    const found = await asAsn.post<CounselorSummary[]>('/scheduling/counselors/search', { speciality: SPECIALITY });
    expect(found.status).toBe(200);
    expect(found.body.data?.map((c) => c.displayName)).toEqual([counselor.displayName]);
  });
});

/** Whether the page's session history (as far as a page can see it: its own entry) names the filter. */
async function historyOf(page: Page): Promise<boolean> {
  return page.evaluate(
    ({ speciality }) => location.href.includes(speciality) || location.search.includes('speciality') || location.search.includes('language'),
    { speciality: SPECIALITY },
  );
}
