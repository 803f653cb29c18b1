import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, sessionHeaders, startTestPlatform, type TestPlatform } from '../support/test-platform.js';

const [counselor, asn, admin] = demoAccounts;
let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform();
});
afterAll(() => t.close());

async function post(path: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(`${t.url}${path}`, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as { ok: boolean; error?: { code: string; message: string; issues?: unknown[] }; data?: unknown } };
}

describe('REST API (real Redis and FerretDB)', () => {
  it('refuses a wrong password and an unknown email in the same words', async () => {
    const wrong = await post('/api/auth/login', JSON.stringify({ email: counselor.email, password: 'nope' }));
    const unknown = await post('/api/auth/login', JSON.stringify({ email: 'nobody@example.org', password: 'nope' }));
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.code).toBe('invalid_credentials');
    expect(unknown.body.error).toEqual(wrong.body.error);
  });

  it('signs in with an HttpOnly, SameSite=Strict session cookie and knows who you are', async () => {
    const response = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: asn.email.toUpperCase(), password: asn.password }),
    });
    expect(response.status).toBe(200);
    const setCookie = response.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/care_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = setCookie.split(';')[0] ?? '';
    const me = await fetch(`${t.url}/api/auth/me`, { headers: { cookie } });
    expect(((await me.json()) as { data: { role: string } }).data.role).toBe('asn');
  });

  it('keeps only a hash of the session token in Redis', async () => {
    const cookie = await login(t.url, asn.email, asn.password);
    const token = cookie.split('=')[1] ?? '';
    const keys = await t.platform.redis.keys('session:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(token);
      expect(await t.platform.redis.get(key)).not.toContain(token);
    }
  });

  it('answers a malformed body with 400 and names each field', async () => {
    const result = await post('/api/auth/login', JSON.stringify({ email: 'not-an-email', password: '', extra: 1 }));
    expect(result.status).toBe(400);
    expect(result.body.error?.code).toBe('invalid_payload');
    const paths = (result.body.error?.issues as Array<{ path: string }>).map((i) => i.path).sort();
    expect(paths).toEqual(['', 'email', 'password']);
  });

  it('answers broken JSON and non-JSON writes with a typed 400', async () => {
    const broken = await post('/api/auth/login', '{"email":');
    expect(broken.status).toBe(400);
    expect(broken.body.error?.code).toBe('invalid_payload');
    const form = await post('/api/auth/login', 'email=a&password=b', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(400);
    expect(form.body.error?.message).toMatch(/JSON/);
  });

  it('lists a person their own appointments only, and an admin none', async () => {
    const asnCookie = await login(t.url, asn.email, asn.password);
    const list = (await (await fetch(`${t.url}/api/appointments`, { headers: { cookie: asnCookie } })).json()) as {
      data: Array<{ id: string; counselor: { displayName: string } }>;
    };
    expect(list.data).toHaveLength(1);
    expect(list.data[0]?.counselor.displayName).toBe(counselor.displayName);

    const adminCookie = await login(t.url, admin.email, admin.password);
    const forbidden = await fetch(`${t.url}/api/appointments`, { headers: { cookie: adminCookie } });
    expect(forbidden.status).toBe(403);

    const anonymous = await fetch(`${t.url}/api/appointments`);
    expect(anonymous.status).toBe(401);
  });

  it('gives 404 for an appointment one is not part of, and 400 for a malformed id', async () => {
    const adminCookie = await login(t.url, admin.email, admin.password);
    const asnCookie = await login(t.url, asn.email, asn.password);
    const list = (await (await fetch(`${t.url}/api/appointments`, { headers: { cookie: asnCookie } })).json()) as {
      data: Array<{ id: string }>;
    };
    const id = list.data[0]?.id ?? '';
    expect((await fetch(`${t.url}/api/appointments/${id}`, { headers: { cookie: adminCookie } })).status).toBe(404);
    expect((await fetch(`${t.url}/api/appointments/nope`, { headers: { cookie: asnCookie } })).status).toBe(400);
  });

  it('reports readiness of each dependency and serves metrics without identities', async () => {
    const ready = (await (await fetch(`${t.url}/readyz`)).json()) as { ok: boolean; checks: Record<string, boolean> };
    expect(ready).toEqual({ ok: true, checks: { redis: true, database: true, media: true } });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toContain('care_socket_connections');
    expect(metrics).not.toContain(asn.email);
  });
});

describe('network check', () => {
  it('answers signed-in people with a round-trip ping or random bytes, never cached, within bounds', async () => {
    const cookie = await login(t.url, asn.email, asn.password);
    const ping = await fetch(`${t.url}/api/network-check`, { headers: { cookie } });
    expect(ping.status).toBe(200);
    expect(ping.headers.get('cache-control')).toBe('no-store');
    const bulk = await fetch(`${t.url}/api/network-check?bytes=100000`, { headers: { cookie } });
    const body = new Uint8Array(await bulk.arrayBuffer());
    expect(body.length).toBe(100_000);
    expect(new Set(body).size).toBeGreaterThan(200);
    expect((await fetch(`${t.url}/api/network-check?bytes=99999999`, { headers: { cookie } })).status).toBe(400);
    expect((await fetch(`${t.url}/api/network-check`)).status).toBe(401);
  });
});

describe('consent', () => {
  it('records only that, and when, the client accepted the confidentiality terms', async () => {
    const cookie = await login(t.url, asn.email, asn.password);
    const before = (await (await fetch(`${t.url}/api/auth/me`, { headers: { cookie } })).json()) as { data: { consentAcceptedAt: string | null } };
    expect(before.data.consentAcceptedAt).toBeNull();
    const refused = await post('/api/auth/consent', JSON.stringify({ accepted: false }), { 'content-type': 'application/json', ...sessionHeaders(cookie) });
    expect(refused.status).toBe(400);
    const accepted = await post('/api/auth/consent', JSON.stringify({ accepted: true }), { 'content-type': 'application/json', ...sessionHeaders(cookie) });
    expect(accepted.status).toBe(200);
    const at = (accepted.body.data as { consentAcceptedAt: string }).consentAcceptedAt;
    expect(Date.now() - Date.parse(at)).toBeLessThan(60_000);
    const again = await post('/api/auth/consent', JSON.stringify({ accepted: true }), { 'content-type': 'application/json', ...sessionHeaders(cookie) });
    expect((again.body.data as { consentAcceptedAt: string }).consentAcceptedAt).toBe(at);
  });
});

describe('language', () => {
  it('keeps the language a person chose on their account (email and reminders follow it), and refuses others', async () => {
    const cookie = await login(t.url, asn.email, asn.password);
    const headers = { 'content-type': 'application/json', ...sessionHeaders(cookie) };
    const chosen = await post('/api/auth/locale', JSON.stringify({ locale: 'en' }), headers);
    expect(chosen.status).toBe(200);
    expect((chosen.body.data as { locale: string }).locale).toBe('en');
    const me = (await (await fetch(`${t.url}/api/auth/me`, { headers: { cookie } })).json()) as { data: { locale: string } };
    expect(me.data.locale).toBe('en');
    const odd = await post('/api/auth/locale', JSON.stringify({ locale: 'fr' }), headers);
    expect(odd.status).toBe(400);
    expect((odd.body.error?.issues?.[0] as { path?: string } | undefined)?.path).toBe('locale');
    const anonymous = await post('/api/auth/locale', JSON.stringify({ locale: 'id' }), { 'content-type': 'application/json' });
    expect(anonymous.status).toBe(401);
    expect((await post('/api/auth/locale', JSON.stringify({ locale: 'id' }), headers)).status).toBe(200);
  });
});

describe('sign-in rate limit', () => {
  it('locks an account for this address after ten failed tries, even for the right password', async () => {
    const email = 'admin@demo.care-asn.id';
    for (let i = 0; i < 10; i++) {
      const failed = await post('/api/auth/login', JSON.stringify({ email, password: `wrong-${i}` }));
      expect(failed.status).toBe(401);
    }
    const locked = await post('/api/auth/login', JSON.stringify({ email, password: 'demo-admin' }));
    expect(locked.status).toBe(429);
    expect(locked.body.error?.code).toBe('rate_limited');
    await t.platform.redis.del(...(await t.platform.redis.keys('ratelimit:login*')));
  });
});
