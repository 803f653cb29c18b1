import { demoAccounts } from '@care/server';
import type { InviteView, RecoveryCodesView, TotpChallengeView, TotpSetupView } from '@care/shared';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, tokenOf, uniqueEmail } from '../integration/accounts/accounts-app.js';
import { createAccounts, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { login, sessionHeaders, startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { everyRedisKey, fromAddress, postJson, statusCounts } from './credential-requests.js';

/*
 * Guessing credentials in parallel. Every limit counts an attempt before it
 * checks anything (one Redis script), so N requests sent at once see the
 * counts 1..N and exactly the limit reach the check. Addresses are given as
 * X-Forwarded-For, which the server believes from a proxy on loopback only
 * (`trust proxy: loopback`) — as it would behind the deployment's proxy.
 */

// The password createAccounts gives every account.
const PASSWORD = 'not-used-by-these-tests';
const BUDGET = 20;
let t: TestPlatform;
const emailsUsed: string[] = [];
const addressesUsed: string[] = [];

/** A fresh documentation-range address per use, remembered for the key scan. */
let nextAddress = 1;
function address(): string {
  const ip = `203.0.113.${nextAddress++}`;
  addressesUsed.push(ip);
  return ip;
}

async function emailOf(account: TestAccount): Promise<string> {
  const email = (await t.platform.db.users.findById(account.id))!.email;
  emailsUsed.push(email);
  return email;
}

beforeAll(async () => {
  t = await startTestPlatform({ RATE_LIMIT_ADDRESS_BUDGET: String(BUDGET) });
});
afterAll(() => t.close());

describe('parallel guessing', () => {
  it('lets exactly 10 of 50 parallel wrong passwords for one account reach the password check', async () => {
    const [account] = await createAccounts(t, 'asn', 1, 'guessed');
    const email = await emailOf(account!);
    const from = address();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => postJson(t.url, '/api/auth/login', { email, password: `wrong-${i}` }, fromAddress(from))),
    );
    expect(statusCounts(answers)).toEqual({ 401: 10, 429: 40 });
    expect(answers.filter((a) => a.status === 429).every((a) => a.body.error?.code === 'rate_limited')).toBe(true);
    // Even the right password is refused now from there…
    expect((await postJson(t.url, '/api/auth/login', { email, password: PASSWORD }, fromAddress(from))).status).toBe(429);
    // …but the owner elsewhere is not locked out by it.
    expect((await postJson(t.url, '/api/auth/login', { email, password: PASSWORD }, fromAddress(address()))).status).toBe(200);
  });

  it('stops guesses at one account from many addresses at 50, the account-wide ceiling', async () => {
    const [account] = await createAccounts(t, 'asn', 1, 'distributed');
    const email = await emailOf(account!);
    const addresses = Array.from({ length: 6 }, address);
    const answers = await Promise.all(
      addresses.flatMap((from) =>
        Array.from({ length: 10 }, (_, i) => postJson(t.url, '/api/auth/login', { email, password: `wrong-${from}-${i}` }, fromAddress(from))),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 401: 50, 429: 10 });
  });

  it('lets exactly 5 of 50 parallel wrong codes for one sign-in reach the code check, and then not even the right code', async () => {
    const [account] = await createAccounts(t, 'asn', 1, 'coded');
    const email = await emailOf(account!);
    const me = apiClient(t.url, account!.cookie);
    const secret = (await me.post<TotpSetupView>('/account/totp/setup')).body.data!.secret;
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    expect((await me.post<RecoveryCodesView>('/account/totp/confirm', { code: totp.generate() })).status).toBe(200);

    const from = address();
    const first = await postJson(t.url, '/api/auth/login', { email, password: PASSWORD }, fromAddress(from));
    const { challenge } = first.body.data as TotpChallengeView;
    const right = totp.generate({ timestamp: Date.now() + 30_000 });
    // Fifty codes none of which the server could accept (one step of drift either way).
    const valid = new Set([-60, -30, 0, 30, 60].map((s) => totp.generate({ timestamp: Date.now() + s * 1000 })));
    const wrongCodes: string[] = [];
    for (let n = 0; wrongCodes.length < 50; n += 7919) {
      const code = String(n % 1_000_000).padStart(6, '0');
      if (!valid.has(code)) wrongCodes.push(code);
    }
    const answers = await Promise.all(wrongCodes.map((code) => postJson(t.url, '/api/auth/login/totp', { challenge, code }, fromAddress(from))));
    expect(statusCounts(answers)).toEqual({ 401: 5, 429: 45 });
    expect(answers.filter((a) => a.status === 401).every((a) => a.body.error?.code === 'totp_invalid')).toBe(true);
    const locked = await postJson(t.url, '/api/auth/login/totp', { challenge, code: right }, fromAddress(address()));
    expect(locked.status).toBe(429);
    expect(locked.cookie).toBeUndefined();
  });

  it('lets exactly 10 of 50 parallel acceptances of one invite link reach the look-up', async () => {
    const asAdmin = apiClient(t.url, await login(t.url, demoAccounts[2].email, demoAccounts[2].password));
    const email = uniqueEmail('invited');
    emailsUsed.push(email);
    const created = await asAdmin.post<InviteView>('/admin/invites', { email, displayName: 'Invitee', agencyUnit: 'BKD' });
    const token = tokenOf(created.body.data?.devLink);
    const from = address();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => postJson(t.url, '/api/invites/accept', { token, password: 'a-long-enough-password' }, fromAddress(from))),
    );
    // One account (the unique email decides), nine told the link is used, forty refused before the look-up.
    expect(statusCounts(answers)).toEqual({ 201: 1, 410: 9, 429: 40 });
    expect(await t.platform.db.users.countDocuments({ email })).toBe(1);
  });

  it('stops an address guessing invite links in parallel at its budget', async () => {
    const from = address();
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        postJson(t.url, '/api/invites/accept', { token: `guess${String(i).padStart(38, '0')}`, password: 'a-long-enough-password' }, fromAddress(from)),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 404: BUDGET, 429: 50 - BUDGET });
  });

  it('lets exactly 3 of 20 parallel reset requests for one address through', async () => {
    const [account] = await createAccounts(t, 'asn', 1, 'reset-flood');
    const email = await emailOf(account!);
    const answers = await Promise.all(Array.from({ length: 20 }, () => postJson(t.url, '/api/auth/password-reset', { email }, fromAddress(address()))));
    expect(statusCounts(answers)).toEqual({ 202: 3, 429: 17 });
    // Three emails (the dev outbox here) and no more.
    await expect.poll(() => t.platform.redis.llen(`dev-outbox:${account!.id}`), { timeout: 10_000 }).toBe(3);
  });
});

describe('spraying one guess over many accounts', () => {
  it('stops one address at its budget across accounts, while another address signs in', async () => {
    const accounts = await createAccounts(t, 'asn', 30, 'sprayed');
    const emails = await Promise.all(accounts.map(emailOf));
    const from = address();
    const answers = await Promise.all(emails.map((email) => postJson(t.url, '/api/auth/login', { email, password: 'Password123' }, fromAddress(from))));
    expect(statusCounts(answers)).toEqual({ 401: BUDGET, 429: 30 - BUDGET });
    expect((await postJson(t.url, '/api/auth/login', { email: emails[0], password: PASSWORD }, fromAddress(address()))).status).toBe(200);
  });

  it('counts a whole IPv6 /64 as one address', async () => {
    const accounts = await createAccounts(t, 'asn', 30, 'sprayed6');
    const emails = await Promise.all(accounts.map(emailOf));
    addressesUsed.push('2001:db8:77');
    const answers = await Promise.all(
      emails.map((email, i) => postJson(t.url, '/api/auth/login', { email, password: 'Password123' }, fromAddress(`2001:db8:77:1::${(i + 1).toString(16)}`))),
    );
    expect(statusCounts(answers)).toEqual({ 401: BUDGET, 429: 30 - BUDGET });
    // The next /64 is someone else.
    expect((await postJson(t.url, '/api/auth/login', { email: emails[0], password: PASSWORD }, fromAddress('2001:db8:77:2::1'))).status).toBe(200);
  });

  it('does not spend the budget of an office behind one address on its people signing in', async () => {
    const accounts = await createAccounts(t, 'asn', BUDGET + 5, 'office');
    const emails = await Promise.all(accounts.map(emailOf));
    const from = address();
    for (const email of emails) {
      const answer = await postJson(t.url, '/api/auth/login', { email, password: PASSWORD }, fromAddress(from));
      expect(answer.status).toBe(200);
    }
  });

  it('refuses parallel guesses of the current password through the change form with a stolen cookie', async () => {
    const [account] = await createAccounts(t, 'asn', 1, 'stolen');
    await emailOf(account!);
    const from = address();
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        postJson(
          t.url,
          '/api/auth/password',
          { currentPassword: `guess-${i}`, newPassword: 'taken-over-password' },
          { ...sessionHeaders(account!.cookie), ...fromAddress(from) },
        ),
      ),
    );
    expect(statusCounts(answers)).toEqual({ 401: 5, 429: 25 });
    expect(answers.filter((a) => a.status === 401).every((a) => a.body.error?.code === 'invalid_credentials')).toBe(true);
  });
});

describe('what Redis learns', () => {
  it('holds no network address and no email in any key name, only keyed hashes', async () => {
    const keys = await everyRedisKey(t.platform.redis);
    const families = ['login', 'totp', 'invite', 'reset-request', 'reset-link', 'password-change'];
    const limits = keys.filter((key) => families.some((family) => key.startsWith(`ratelimit:${family}:`)));
    expect(limits.length).toBeGreaterThan(10);
    for (const key of limits) expect(key).toMatch(/^ratelimit:[a-z-]+:(s|sa|a):[0-9a-f]{32}$/);
    const needles = [...addressesUsed, ...emailsUsed, ...emailsUsed.map((e) => e.split('@')[0]!), '127.0.0.1', '::1', 'test.care-asn.id', 'demo.care-asn.id'];
    for (const key of keys) {
      for (const needle of needles) expect(key, `${key} names ${needle}`).not.toContain(needle);
    }
  });
});
