import { randomBytes } from 'node:crypto';
import type { CurrentUser } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../integration/accounts/accounts-app.js';
import { startSmtpInbox, type SmtpInbox } from '../integration/reminders/smtp-inbox.js';
import { createAccounts } from '../integration/scheduling/scheduling-app.js';
import { startServerProcess } from '../support/server-process.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { postJson } from './credential-requests.js';

/*
 * A server someone starts without thinking gets production rules: it asks
 * for its keys rather than run without them, refuses the demo accounts,
 * sends cookies only over HTTPS, keeps no outbox, shows no invite link,
 * requires a second factor of staff, and sends mail only over TLS — to the
 * point of sending none to a server that does not offer it.
 */

const PASSWORD = 'not-used-by-these-tests';
const keys = { TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64'), RATE_LIMIT_KEY: randomBytes(32).toString('base64') };
let t: TestPlatform;
let inbox: SmtpInbox;

beforeAll(async () => {
  inbox = await startSmtpInbox();
  t = await startTestPlatform({ NODE_ENV: 'production', SEED_DEMO: 'false', SMTP_URL: inbox.url, ...keys });
});
afterAll(async () => {
  await t?.close();
  await inbox?.close();
});

describe('the built server started with nothing asking for development', () => {
  it('refuses to start without its keys, naming them and the way to a local try-out', async () => {
    const start = startServerProcess({ NODE_ENV: undefined, SEED_DEMO: 'false' });
    await expect(start).rejects.toThrow(/server exited with 2/);
    await expect(start).rejects.toThrow(/TOTP_ENCRYPTION_KEY is missing: must be set in production/);
    await expect(start).rejects.toThrow(/RATE_LIMIT_KEY is missing/);
    await expect(start).rejects.toThrow(/NODE_ENV=development/);
  });

  it('refuses to seed the demo accounts, whose passwords are published', async () => {
    const start = startServerProcess({ NODE_ENV: undefined, SEED_DEMO: 'true', ...keys });
    await expect(start).rejects.toThrow(/SEED_DEMO="true" must not be true in production/);
  });
});

describe('a production platform', () => {
  it('sets the session cookie Secure (and HttpOnly, SameSite=Strict) on plain http too', async () => {
    const [account] = await createAccounts(t, 'asn', 1, 'prod');
    const email = (await t.platform.db.users.findById(account!.id))!.email;
    const response = await fetch(`${t.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: PASSWORD }) });
    expect(response.status).toBe(200);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^care_session=/);
    expect(cookie).toMatch(/;\s*Secure/i);
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Strict/i);
  });

  it('has no dev outbox, shows no invite link, and sends staff to set up a second factor', async () => {
    const [admin] = await createAccounts(t, 'admin', 1, 'prod-admin');
    const [counselor] = await createAccounts(t, 'counselor', 1, 'prod-counselor');
    expect((await apiClient(t.url, counselor!.cookie).get('/dev/outbox')).status).toBe(404);
    expect((await apiClient(t.url, counselor!.cookie).get<CurrentUser>('/auth/me')).body.data?.totpEnrolmentRequired).toBe(true);
    expect((await apiClient(t.url, counselor!.cookie).get('/scheduling/availability')).body.error?.code).toBe('totp_enrolment_required');
    // The admin too must enrol before inviting anyone.
    expect((await apiClient(t.url, admin!.cookie).get('/admin/invites?role=asn')).body.error?.code).toBe('totp_enrolment_required');
  });

  it('sends no mail to an SMTP server that does not offer TLS', async () => {
    const [account] = await createAccounts(t, 'asn', 1, 'prod-mail');
    const email = (await t.platform.db.users.findById(account!.id))!.email;
    expect((await postJson(t.url, '/api/auth/password-reset', { email })).status).toBe(202);
    await expect.poll(() => t.logs.join('').includes('password reset email not sent'), { timeout: 15_000 }).toBe(true);
    expect(inbox.received.filter((m) => m.to === email)).toEqual([]);
  });
});
