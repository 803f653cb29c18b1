import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, sessionHeaders, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';

const asn = demoAccounts[1];
let t: TestPlatform;
let cookie: string;

beforeAll(async () => {
  t = await startTestPlatform();
  cookie = await login(t.url, asn.email, asn.password);
});
afterAll(() => t.close());

async function consent(headers: Record<string, string>) {
  const response = await fetch(`${t.url}/api/auth/consent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ accepted: true }),
  });
  return { status: response.status, body: (await response.json()) as { ok: boolean; error?: { code: string } } };
}

describe('CSRF tokens on state-changing calls', () => {
  it('refuses a signed-in write without the token with 403 csrf_invalid', async () => {
    const missing = await consent({ cookie });
    expect(missing.status).toBe(403);
    expect(missing.body.error?.code).toBe('csrf_invalid');
  });

  it('refuses a wrong token, and the token of another session', async () => {
    const wrong = await consent({ cookie, 'x-csrf-token': 'A'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error?.code).toBe('csrf_invalid');
    const other = await login(t.url, asn.email, asn.password);
    const crossed = await consent({ cookie, 'x-csrf-token': sessionHeaders(other)['x-csrf-token']! });
    expect(crossed.body.error?.code).toBe('csrf_invalid');
  });

  it('accepts the token the session reads from GET /api/auth/csrf', async () => {
    const view = (await (await fetch(`${t.url}/api/auth/csrf`, { headers: { cookie } })).json()) as { data: { token: string } };
    expect(view.data.token).toBe(sessionHeaders(cookie)['x-csrf-token']);
    const accepted = await consent({ cookie, 'x-csrf-token': view.data.token });
    expect(accepted.status).toBe(200);
    expect(accepted.body.ok).toBe(true);
  });

  it('keeps the Origin check too: a cross-site write with the right token is refused', async () => {
    const crossSite = await consent({ ...sessionHeaders(cookie), origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error?.code).toBe('forbidden');
  });

  it('needs no token where there is no session yet (sign-in), and answers 401 to writes without a session', async () => {
    const signIn = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({ email: asn.email, password: asn.password }),
    });
    expect(signIn.status).toBe(200);
    const anonymous = await consent({});
    expect(anonymous.status).toBe(401);
    expect((await fetch(`${t.url}/api/auth/csrf`)).status).toBe(401);
  });

  it('never stores the token: it is not in Redis', async () => {
    const token = sessionHeaders(cookie)['x-csrf-token']!;
    for (const key of await t.platform.redis.keys('*')) {
      const type = await t.platform.redis.type(key);
      if (type === 'string') expect(await t.platform.redis.get(key)).not.toContain(token);
    }
  });
});
