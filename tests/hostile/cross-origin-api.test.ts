import { demoAccounts } from '@care/server';
import { ErrorCode } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionHeaders, startSignedIn, startTestPlatform, type TestPlatform } from '../support/test-platform.js';

// §3 of issue 12: a page of another origin (a sibling site sends our
// SameSite=Strict cookie along) and a sandboxed or file: page (`Origin: null`)
// get a clear 403 from every /api call, never a 500; the app's own origin,
// and clients that are not browser pages, are not hindered.
const asn = demoAccounts[1];
let t: TestPlatform;
let cookie: string;
beforeAll(async () => void ({ t, cookie } = await startSignedIn(asn)));
afterAll(() => t.close());

interface Answer {
  status: number;
  contentType: string;
  body: { ok: boolean; error?: { code: string; message: string } };
}

async function call(method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<Answer> {
  const response = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body: (await response.json()) as Answer['body'] };
}

function expectForbidden(answer: Answer, what: string): void {
  expect(answer.status, what).toBe(403);
  expect(answer.contentType, what).toMatch(/^application\/json/);
  expect(answer.body.ok, what).toBe(false);
  expect(answer.body.error?.code, what).toBe('forbidden');
  expect(ErrorCode.safeParse(answer.body.error?.code).success, what).toBe(true);
}

const port = () => new URL(t.url).port;

describe('the Origin of every /api call', () => {
  it('answers Origin: null (a sandboxed frame, a file: page) with 403 forbidden, on reads and writes alike', async () => {
    const origin = { origin: 'null' };
    expectForbidden(await call('POST', '/api/auth/login', origin, { email: asn.email, password: asn.password }), 'sign-in');
    expectForbidden(await call('GET', '/api/auth/me', { ...origin, cookie }), 'who am I');
    expectForbidden(await call('POST', '/api/auth/consent', { ...origin, ...sessionHeaders(cookie) }, { accepted: true }), 'a write with its CSRF token');
    expectForbidden(await call('PUT', '/api/account/notifications', { ...origin, ...sessionHeaders(cookie) }, {}), 'a PUT');
    expectForbidden(await call('POST', '/api/auth/consent', { ...origin, ...sessionHeaders(cookie), 'content-type': 'text/plain' }), 'a form-like write');
  });

  it('refuses a foreign page, a same-site page on another port, and an Origin that is not one', async () => {
    for (const origin of ['https://evil.example', `http://127.0.0.1:${Number(port()) + 1}`, `https://127.0.0.1:${port()}`, 'http://', 'garbage', 'http://127.0.0.1:' + port() + '.evil.example']) {
      expectForbidden(await call('GET', '/api/auth/me', { origin, cookie }), origin);
      expectForbidden(await call('POST', '/api/auth/consent', { origin, ...sessionHeaders(cookie) }, { accepted: true }), origin);
    }
  });

  it('refuses a browser request that names no Origin but says it comes from another site (Fetch Metadata)', async () => {
    for (const site of ['cross-site', 'same-site']) {
      expectForbidden(await call('GET', '/api/auth/me', { 'sec-fetch-site': site, cookie }), site);
    }
  });

  it('lets the app itself in, under each of its loopback names, and clients that are not browser pages', async () => {
    for (const origin of [`http://127.0.0.1:${port()}`, `http://localhost:${port()}`]) {
      const consent = await call('POST', '/api/auth/consent', { origin, 'sec-fetch-site': 'same-origin', ...sessionHeaders(cookie) }, { accepted: true });
      expect(consent.status, origin).toBe(200);
    }
    // A same-origin GET from Chromium carries no Origin, only Sec-Fetch-Site.
    expect((await call('GET', '/api/auth/me', { 'sec-fetch-site': 'same-origin', cookie })).status).toBe(200);
    // Typed into the address bar (an .ics download link opened directly).
    expect((await call('GET', '/api/auth/me', { 'sec-fetch-site': 'none', cookie })).status).toBe(200);
    expect((await call('GET', '/api/auth/me', { cookie })).status).toBe(200);
  });

  it('with PUBLIC_URL set, only that origin is the app', async () => {
    const behindProxy = await startTestPlatform({ PUBLIC_URL: 'https://care.example.go.id' });
    try {
      const ask = (origin: string) =>
        fetch(`${behindProxy.url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: JSON.stringify({ email: asn.email, password: asn.password }),
        });
      expect((await ask('https://care.example.go.id')).status).toBe(200);
      expect((await ask('https://care.example.go.id:443')).status).toBe(200);
      const local = await ask(`http://127.0.0.1:${behindProxy.platform.port}`);
      expect(local.status).toBe(403);
      expect(((await local.json()) as Answer['body']).error?.code).toBe('forbidden');
      expect((await ask('https://evil.care.example.go.id')).status).toBe(403);
      expect((await ask('http://care.example.go.id')).status).toBe(403);
    } finally {
      await behindProxy.close();
    }
  });
});
