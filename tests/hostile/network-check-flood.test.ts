import { NETWORK_CHECK_BUDGET, networkCheckCost } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { growth, rateLimitedCounts } from '../support/rate-limit-metrics.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { createAccounts } from '../integration/scheduling/scheduling-app.js';

/*
 * GET /api/network-check hands out up to 2 MB of random bytes per request:
 * without a budget, one signed-in script could make the server send as much
 * as it likes. Each person has a budget shared by every node; the web app's
 * own check (five round trips and a 600 kB download) fits it many times.
 */

let t: TestPlatform;
beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(async () => {
  await t?.close();
});

async function check(cookie: string | undefined, bytes = 0): Promise<{ status: number; code?: string; size: number }> {
  const response = await fetch(`${t.url}/api/network-check${bytes ? `?bytes=${bytes}` : ''}`, { headers: cookie ? { cookie } : {} });
  const body = Buffer.from(await response.arrayBuffer());
  const code = response.headers.get('content-type')?.includes('json') ? (JSON.parse(body.toString()) as { error?: { code: string } }).error?.code : undefined;
  return { status: response.status, code, size: body.length };
}

/** The web app's check (web/src/lib/rtc/network-check.ts): five round trips, then one 600 kB download. */
async function deviceCheck(cookie: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push((await check(cookie)).status);
  statuses.push((await check(cookie, 600_000)).status);
  return statuses;
}

describe('the network check under a flood', () => {
  it('30 downloads of 2 MB at once: what fits the budget is sent, the rest is 429 rate_limited and counted; others check undisturbed', async () => {
    const [hostile, honest] = await createAccounts(t, 'asn', 2, 'net-check');
    const before = await rateLimitedCounts(t.url);
    const [answers, honestStatuses] = await Promise.all([
      Promise.all(Array.from({ length: 30 }, () => check(hostile!.cookie, 2_000_000))),
      deviceCheck(honest!.cookie),
    ]);
    const fits = Math.floor(NETWORK_CHECK_BUDGET.points / networkCheckCost(2_000_000));
    const sent = answers.filter((a) => a.status === 200);
    expect(sent).toHaveLength(fits);
    for (const answer of sent) expect(answer.size).toBe(2_000_000);
    const refused = answers.filter((a) => a.status !== 200);
    expect(refused.map((a) => [a.status, a.code])).toEqual(refused.map(() => [429, 'rate_limited']));
    // Someone else's check in the same moment was not touched.
    expect(honestStatuses).toEqual([200, 200, 200, 200, 200, 200]);
    expect(growth(before, await rateLimitedCounts(t.url))).toEqual({ network_check: 30 - fits, 'network_check/user': 30 - fits });

    // The flooder's budget is spent for the window, round trips included.
    expect((await check(hostile!.cookie)).status).toBe(429);
  });

  it('a person checking their connection again and again (eight full checks) is never refused; nobody signed out is served', async () => {
    const [person] = await createAccounts(t, 'asn', 1, 'net-check-honest');
    const checks = Math.floor(NETWORK_CHECK_BUDGET.points / (5 * networkCheckCost(0) + networkCheckCost(600_000)));
    expect(checks).toBeGreaterThanOrEqual(8);
    for (let i = 0; i < 8; i++) expect(await deviceCheck(person!.cookie)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await check(undefined)).status).toBe(401);
  });
});
