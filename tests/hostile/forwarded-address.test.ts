import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * Whose X-Forwarded-For is believed (TRUSTED_PROXIES, issue 14: several
 * signal nodes behind a balancer on another machine). Only the listed
 * proxies may name a client's address; anyone else who sends the header is
 * taken for who they are, so nobody reaching a node directly can pose as the
 * scrape network or spread their sign-in attempts over made-up addresses.
 * /metrics (which decides by the client's address) shows which address the
 * node believed.
 */

const scrape = async (t: TestPlatform, forwardedFor?: string) =>
  (await fetch(`${t.url}/metrics`, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} })).status;

describe('a node that believes only a balancer elsewhere', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    // The balancer's network; this test's requests come from loopback, which is not it.
    t = await startTestPlatform({ TRUSTED_PROXIES: '10.9.0.0/16', METRICS_ALLOW: '10.20.0.0/16' });
  });
  afterAll(() => t.close());

  it('takes a direct client for its own address, whatever address it names', async () => {
    expect(await scrape(t, '10.20.3.4')).toBe(403);
    expect(await scrape(t, '10.20.3.4, 10.9.0.2')).toBe(403);
    expect(await scrape(t)).toBe(403);
  });
});

describe('a node that believes no proxy', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform({ TRUSTED_PROXIES: '' });
  });
  afterAll(() => t.close());

  it('is reached from loopback whatever the header says, and a named outside address changes nothing', async () => {
    // METRICS_ALLOW is loopback (the default): the header is not believed, so the scraper on this machine is served.
    expect(await scrape(t, '203.0.113.9')).toBe(200);
    expect(await scrape(t)).toBe(200);
  });
});

describe('a node with the default (a reverse proxy on this machine)', () => {
  let t: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
  });
  afterAll(() => t.close());

  it('believes the proxy on loopback: the client it names is the one judged', async () => {
    expect(await scrape(t, '203.0.113.9')).toBe(403);
    expect(await scrape(t)).toBe(200);
  });
});
