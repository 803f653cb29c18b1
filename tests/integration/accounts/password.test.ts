import type { CurrentUser, PasswordResetLinkView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpInbox, type SmtpInbox } from '../reminders/smtp-inbox.js';
import { createAccounts } from '../scheduling/scheduling-app.js';
import { connect, login, nextEvent, sessionHeaders, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { apiClient } from './accounts-app.js';

/* Passwords as an honest person uses them: changed while signed in, and reset through the emailed link. */

// The createAccounts password.
const PASSWORD = 'not-used-by-these-tests';
let t: TestPlatform;
let inbox: SmtpInbox;

async function person(): Promise<string> {
  const [account] = await createAccounts(t, 'asn', 1, 'password');
  return (await t.platform.db.users.findById(account!.id))!.email;
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${t.url}/api${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return {
    status: response.status,
    cookie: response.headers.get('set-cookie')?.split(';')[0],
    body: (await response.json()) as { ok: boolean; data?: unknown; error?: { code: string; issues?: Array<{ path: string }> } },
  };
}

beforeAll(async () => {
  inbox = await startSmtpInbox();
  t = await startTestPlatform({ SMTP_URL: inbox.url });
});
afterAll(async () => {
  await t?.close();
  await inbox?.close();
});

describe('changing the password while signed in', () => {
  it('ends the other sign-ins and their connections, and keeps this one going under a new cookie', async () => {
    const email = await person();
    const here = await login(t.url, email, PASSWORD);
    const elsewhere = await login(t.url, email, PASSWORD);
    const elsewhereSocket = await connect(t.url, elsewhere);
    const hereSocket = await connect(t.url, here);
    const ended = nextEvent<{ reason: string }>(elsewhereSocket, 'session:ended');
    const renewed = nextEvent<{ reason: string }>(hereSocket, 'session:ended');

    const changed = await post('/auth/password', { currentPassword: PASSWORD, newPassword: 'a-new-long-password' }, sessionHeaders(here));
    expect(changed.status).toBe(200);
    expect((changed.body.data as CurrentUser).id).toBeTruthy();
    expect(await ended).toEqual({ reason: 'password_changed' });
    // This browser's connection is told to come back with the new cookie, and can.
    expect(await renewed).toEqual({ reason: 'renewed' });
    const back = await connect(t.url, changed.cookie!);
    expect(back.connected).toBe(true);
    back.close();

    expect((await apiClient(t.url, changed.cookie).get('/auth/me')).status).toBe(200);
    expect((await apiClient(t.url, elsewhere).get('/auth/me')).status).toBe(401);
    expect((await post('/auth/login', { email, password: PASSWORD })).status).toBe(401);
    expect((await post('/auth/login', { email, password: 'a-new-long-password' })).status).toBe(200);
    elsewhereSocket.close();
    hereSocket.close();
  });

  it('says which field is wrong: the current password, the same password again, or one too short', async () => {
    const email = await person();
    const me = sessionHeaders(await login(t.url, email, PASSWORD));
    const wrong = await post('/auth/password', { currentPassword: 'not-it-at-all', newPassword: 'a-new-long-password' }, me);
    expect([wrong.status, wrong.body.error?.code, wrong.body.error?.issues?.[0]?.path]).toEqual([401, 'invalid_credentials', 'currentPassword']);
    const same = await post('/auth/password', { currentPassword: PASSWORD, newPassword: PASSWORD }, me);
    expect([same.status, same.body.error?.code, same.body.error?.issues?.[0]?.path]).toEqual([400, 'invalid_payload', 'newPassword']);
    const short = await post('/auth/password', { currentPassword: PASSWORD, newPassword: 'short' }, me);
    expect([short.status, short.body.error?.issues?.[0]?.path]).toEqual([400, 'newPassword']);
    // Nothing changed.
    expect((await post('/auth/login', { email, password: PASSWORD })).status).toBe(200);
  });

  it('needs the session’s CSRF token and a session', async () => {
    const email = await person();
    const cookie = await login(t.url, email, PASSWORD);
    const noToken = await post('/auth/password', { currentPassword: PASSWORD, newPassword: 'a-new-long-password' }, { cookie });
    expect([noToken.status, noToken.body.error?.code]).toEqual([403, 'csrf_invalid']);
    const nobody = await post('/auth/password', { currentPassword: PASSWORD, newPassword: 'a-new-long-password' });
    expect(nobody.status).toBe(401);
  });
});

describe('resetting a forgotten password by email', () => {
  it('emails a neutral single-use link; the link sets a new password and the old one stops working', async () => {
    const email = await person();
    const asked = await post('/auth/password-reset', { email });
    expect([asked.status, asked.body]).toEqual([202, { ok: true, data: {} }]);
    await inbox.waitFor((all) => all.some((m) => m.to === email), 'the reset email');
    const mail = inbox.received.find((m) => m.to === email)!;
    expect(mail.subject).toBe('Atur ulang kata sandi CARE ASN / CARE ASN password reset');
    expect(mail.text).toMatch(/Buka tautan ini untuk memilih kata sandi baru/);
    expect(mail.text).toMatch(/If you did not ask for this, ignore this email/);
    const link = /(http:\/\/\S+\/reset-password\/([A-Za-z0-9_-]{43}))/.exec(mail.text);
    expect(link?.[1]?.startsWith(t.platform.url)).toBe(true);
    const token = link![2]!;

    const check = await post('/auth/password-reset/check', { token });
    expect(check.status).toBe(200);
    expect(Date.parse((check.body.data as PasswordResetLinkView).expiresAt)).toBeGreaterThan(Date.now() + 50 * 60_000);
    const short = await post('/auth/password-reset/complete', { token, newPassword: 'short' });
    expect([short.status, short.body.error?.issues?.[0]?.path]).toEqual([400, 'newPassword']);
    const done = await post('/auth/password-reset/complete', { token, newPassword: 'my-new-remembered-password' });
    expect(done.status).toBe(200);
    expect((await post('/auth/login', { email, password: PASSWORD })).status).toBe(401);
    expect((await post('/auth/login', { email, password: 'my-new-remembered-password' })).status).toBe(200);
  });

  it('keeps only a hash of the link’s token in Redis, and refuses malformed input plainly', async () => {
    const email = await person();
    await post('/auth/password-reset', { email });
    await inbox.waitFor((all) => all.some((m) => m.to === email), 'the reset email');
    const token = /\/reset-password\/([A-Za-z0-9_-]{43})/.exec(inbox.received.find((m) => m.to === email)!.text)![1]!;
    const keys = await t.platform.redis.keys('password-reset:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).not.toContain(token);
      expect(JSON.stringify(await t.platform.redis.hgetall(key))).not.toContain(token);
    }
    for (const [path, body] of [
      ['/auth/password-reset', { email: 'not an email' }],
      ['/auth/password-reset', { email, extra: 1 }],
      ['/auth/password-reset/check', { token: 'short' }],
      ['/auth/password-reset/complete', { token, newPassword: 42 }],
    ] as const) {
      const answer = await post(path, body);
      expect([path, answer.status, answer.body.error?.code]).toEqual([path, 400, 'invalid_payload']);
    }
  });
});
