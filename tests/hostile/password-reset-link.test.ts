import { createHash } from 'node:crypto';
import { demoAccounts } from '@care/server';
import type { TotpSetupView } from '@care/shared';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { apiClient } from '../integration/accounts/accounts-app.js';
import { startSmtpInbox, type SmtpInbox } from '../integration/reminders/smtp-inbox.js';
import { createAccounts } from '../integration/scheduling/scheduling-app.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { connect, login, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';
import { fromAddress, postJson, statusCounts } from './credential-requests.js';
import { endingOf } from './session-sockets.js';

/*
 * The emailed reset link, attacked: used twice (or ten times at once), used
 * late, guessed, used after the password changed; and the request itself
 * asked to tell whether an account exists. The mail goes to a real SMTP
 * server; the database sits behind a relay the test can silence.
 */

// The createAccounts password.
const PASSWORD = 'not-used-by-these-tests';
const NEW_PASSWORD = 'a-brand-new-password';
let t: TestPlatform;
let inbox: SmtpInbox;
let proxy: TcpProxy;
let nextAddress = 1;
const address = () => fromAddress(`198.51.100.${nextAddress++}`);
const sockets: TestSocket[] = [];

async function person(role: 'asn' | 'counselor' = 'asn'): Promise<{ id: string; email: string }> {
  const [account] = await createAccounts(t, role, 1, 'reset');
  return { id: account!.id, email: (await t.platform.db.users.findById(account!.id))!.email };
}

/** Asks for a reset and returns the link's token from the email that arrives. */
async function linkFor(email: string): Promise<string> {
  const before = inbox.received.filter((m) => m.to === email).length;
  expect((await postJson(t.url, '/api/auth/password-reset', { email }, address())).status).toBe(202);
  await inbox.waitFor((all) => all.filter((m) => m.to === email).length > before, `a reset email to ${email}`);
  const mail = inbox.received.filter((m) => m.to === email).at(-1)!;
  const token = /\/reset-password\/([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
  expect(token).toBeTruthy();
  return token!;
}

const complete = (token: string, newPassword = NEW_PASSWORD) => postJson(t.url, '/api/auth/password-reset/complete', { token, newPassword }, address());
const signIn = (email: string, password: string) => postJson(t.url, '/api/auth/login', { email, password }, address());

beforeAll(async () => {
  inbox = await startSmtpInbox();
  const target = new URL(inject('mongodbUri'));
  proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
  const viaProxy = new URL(inject('mongodbUri'));
  viaProxy.port = String(proxy.port);
  t = await startTestPlatform({ SMTP_URL: inbox.url, MONGODB_URI: viaProxy.toString() });
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await proxy?.restore();
  await t?.close();
  await proxy?.cut();
  await inbox?.close();
});

describe('a reset link', () => {
  it('works once, even when submitted from ten tabs at once, and ends every sign-in with its connections', async () => {
    const { email } = await person();
    const cookies = [await login(t.url, email, PASSWORD), await login(t.url, email, PASSWORD)];
    const connected = await Promise.all(cookies.map((cookie) => connect(t.url, cookie)));
    sockets.push(...connected);
    const endings = connected.map((socket) => endingOf(socket));
    const token = await linkFor(email);
    expect((await postJson(t.url, '/api/auth/password-reset/check', { token }, address())).status).toBe(200);

    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => complete(token, `${NEW_PASSWORD}-${i}`)));
    expect(statusCounts(answers)).toEqual({ 200: 1, 410: 9 });
    expect(answers.filter((a) => a.status === 410).every((a) => a.body.error?.code === 'reset_used')).toBe(true);
    const chosen = `${NEW_PASSWORD}-${answers.findIndex((a) => a.status === 200)}`;

    for (const ending of await Promise.all(endings)) expect(ending).toEqual({ reason: 'password_changed', disconnect: 'io server disconnect' });
    for (const cookie of cookies) expect((await apiClient(t.url, cookie).get('/auth/me')).status).toBe(401);
    expect((await signIn(email, PASSWORD)).status).toBe(401);
    expect((await signIn(email, chosen)).status).toBe(200);
    expect((await postJson(t.url, '/api/auth/password-reset/check', { token }, address())).body.error?.code).toBe('reset_used');
  });

  it('answers a late, a guessed and an overtaken link each with its own error, and changes nothing', async () => {
    const { email } = await person();
    const late = await linkFor(email);
    // An hour passes for this link (its stored expiry moved into the past).
    const key = `password-reset:${createHash('sha256').update(late).digest('hex')}`;
    await t.platform.redis.hset(key, 'expiresAt', String(Date.now() - 1000));
    const expired = await complete(late);
    expect([expired.status, expired.body.error?.code]).toEqual([410, 'reset_expired']);

    const guessed = await complete('A'.repeat(43));
    expect([guessed.status, guessed.body.error?.code]).toEqual([404, 'reset_invalid']);

    // Two links; the newer one is used; the older one is void from then on.
    const older = await linkFor(email);
    const newer = await linkFor(email);
    expect((await complete(newer)).status).toBe(200);
    const overtaken = await complete(older, 'an-attacker-password');
    expect([overtaken.status, overtaken.body.error?.code]).toEqual([410, 'reset_used']);
    expect((await signIn(email, 'an-attacker-password')).status).toBe(401);
    expect((await signIn(email, NEW_PASSWORD)).status).toBe(200);
  });

  it('does not sign anyone in: an account with a second factor still asks for its code', async () => {
    const { email } = await person();
    const cookie = await login(t.url, email, PASSWORD);
    const secret = (await apiClient(t.url, cookie).post<TotpSetupView>('/account/totp/setup')).body.data!.secret;
    const code = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    expect((await apiClient(t.url, cookie).post('/account/totp/confirm', { code })).status).toBe(200);

    const done = await complete(await linkFor(email));
    expect(done.status).toBe(200);
    expect(done.body.data).toEqual({});
    const next = await signIn(email, NEW_PASSWORD);
    expect(next.status).toBe(200);
    expect(next.cookie).toBeUndefined();
    expect(next.body.data).toMatchObject({ secondFactor: 'totp' });
  });

  it('is not sent to a deactivated account, and cannot be used once the account is deactivated', async () => {
    const counselor = await person('counselor');
    const token = await linkFor(counselor.email);
    const admin = apiClient(t.url, await login(t.url, demoAccounts[2].email, demoAccounts[2].password));
    expect((await admin.post(`/admin/users/${counselor.id}/active`, { active: false })).status).toBe(200);
    const refused = await complete(token);
    expect([refused.status, refused.body.error?.code]).toEqual([404, 'reset_invalid']);

    const before = inbox.received.length;
    expect((await postJson(t.url, '/api/auth/password-reset', { email: counselor.email }, address())).status).toBe(202);
    // A marker mail sent after it arrives after it would have: then count.
    const marker = await person();
    await linkFor(marker.email);
    expect(inbox.received.slice(before).map((m) => m.to)).toEqual([marker.email]);
  });
});

describe('asking for a reset', () => {
  it('gives the same answer for an account, an unknown address and a deactivated one', async () => {
    const { email } = await person();
    const answers = await Promise.all(
      [email, 'nobody-here@test.care-asn.id', demoAccounts[1].email.replace('asn@', 'gone@')].map((e) =>
        postJson(t.url, '/api/auth/password-reset', { email: e }, address()),
      ),
    );
    expect(answers.map((a) => [a.status, JSON.stringify(a.body)])).toEqual(Array(3).fill([202, '{"ok":true,"data":{}}']));
  });

  it('answers before looking the address up: with the database silent, both an account and nobody get the same prompt answer', async () => {
    const { email } = await person();
    proxy.stall();
    try {
      // Anything that read the database before answering would hang here (the driver waits 10 s on a silent host).
      const guard = { signal: AbortSignal.timeout(8000) };
      for (const asked of [email, 'nobody-at-all@test.care-asn.id']) {
        const response = await fetch(`${t.url}/api/auth/password-reset`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...address() },
          body: JSON.stringify({ email: asked }),
          ...guard,
        });
        expect(response.status).toBe(202);
      }
    } finally {
      await proxy.cut();
      await proxy.restore();
    }
  });

  it('leaves no address, email or token in the logs', async () => {
    const logs = t.logs.join('');
    for (const mail of inbox.received) {
      expect(logs).not.toContain(mail.to);
      const token = /\/reset-password\/([A-Za-z0-9_-]{43})/.exec(mail.text)?.[1];
      if (token) expect(logs).not.toContain(token);
    }
    expect(logs).not.toContain('198.51.100.');
  });
});
