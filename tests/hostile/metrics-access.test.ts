import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

// §3 of issue 12: /metrics is for the configured scraper only: a network
// (default: this machine) or a bearer token. Public traffic that reaches the
// server through a reverse proxy on this machine is not "this machine".
const token = 'm'.repeat(20) + 'e'.repeat(20);

async function scrape(t: TestPlatform, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.url}/metrics`, { headers });
  const text = await response.text();
  return { status: response.status, text, type: response.headers.get('content-type') ?? '' };
}

function expectRefused(answer: { status: number; text: string; type: string }, what: string): void {
  expect(answer.status, what).toBe(403);
  expect(answer.type, what).toMatch(/^application\/json/);
  expect(JSON.parse(answer.text), what).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  expect(answer.text, what).not.toContain('care_socket_connections');
}

describe('/metrics by default: this machine only', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t.close());

  it('serves a scraper on this machine', async () => {
    const answer = await scrape(t);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('care_socket_connections');
  });

  it('refuses public traffic relayed by a proxy on this machine (X-Forwarded-For), and any token when none is set', async () => {
    expectRefused(await scrape(t, { 'x-forwarded-for': '203.0.113.9' }), 'through a proxy');
    expectRefused(await scrape(t, { 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${token}` }), 'a token nobody configured');
  });
});

describe('/metrics with a scrape network and a token', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ METRICS_ALLOW: '10.20.0.0/16, fd00::/8', METRICS_TOKEN: token });
  });
  afterAll(() => t.close());

  it('serves the scrape network and the token holder, from anywhere', async () => {
    expect((await scrape(t, { 'x-forwarded-for': '10.20.3.4' })).status).toBe(200);
    expect((await scrape(t, { 'x-forwarded-for': 'fd00::1' })).status).toBe(200);
    expect((await scrape(t, { 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('refuses everyone else, this machine included once it is not listed, and a wrong or partial token', async () => {
    expectRefused(await scrape(t), 'loopback, not listed');
    expectRefused(await scrape(t, { 'x-forwarded-for': '10.21.0.1' }), 'next network');
    for (const authorization of [`Bearer ${token.slice(0, -1)}`, token, `Bearer ${token}x`, `Basic ${token}`, 'Bearer ']) {
      expectRefused(await scrape(t, { 'x-forwarded-for': '203.0.113.9', authorization }), authorization);
    }
  });
});
