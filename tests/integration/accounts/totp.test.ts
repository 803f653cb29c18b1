import type { CurrentUser, RecoveryCodesView, SecurityView, TotpChallengeView, TotpSetupView } from '@care/shared';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, login, sessionHeaders, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { apiClient, type ApiClient } from './accounts-app.js';

// createAccounts gives every account this password.
const PASSWORD = 'not-used-by-these-tests';
let t: TestPlatform;
let counselor: TestAccount;
let email: string;
let secret = '';
let recoveryCodes: string[] = [];
let asCounselorCookie = '';

const codeAt = (offsetSeconds: number, base32 = secret) =>
  new TOTP({ secret: Secret.fromBase32(base32), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: Date.now() + offsetSeconds * 1000 });

async function signIn(body: unknown, path = '/api/auth/login') {
  const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    status: response.status,
    cookie: response.headers.get('set-cookie')?.split(';')[0],
    body: (await response.json()) as { ok: boolean; data?: CurrentUser | TotpChallengeView; error?: { code: string } },
  };
}

/** A signed-in POST whose answer renews the session cookie: the new cookie with the answer. */
async function renewing(path: string, body: unknown, cookie = asCounselorCookie) {
  const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { ...sessionHeaders(cookie), 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    status: response.status,
    cookie: response.headers.get('set-cookie')?.split(';')[0],
    body: (await response.json()) as { ok: boolean; data?: unknown; error?: { code: string } },
  };
}

async function challenge(): Promise<string> {
  const first = await signIn({ email, password: PASSWORD });
  expect(first.status).toBe(200);
  expect(first.cookie).toBeUndefined();
  return (first.body.data as TotpChallengeView).challenge;
}

beforeAll(async () => {
  t = await startTestPlatform({ TOTP_REQUIRED_ROLES: 'counselor,admin' });
  counselor = (await createAccounts(t, 'counselor', 1, 'totp'))[0]!;
  email = (await t.platform.db.users.findById(counselor!.id))!.email;
});
afterAll(() => t.close());

describe('TOTP second factor', () => {
  let asCounselor: ApiClient;

  it('sends a counselor who must enrol to enrolment before anything else works', async () => {
    const first = await signIn({ email, password: PASSWORD });
    expect((first.body.data as CurrentUser).totpEnrolmentRequired).toBe(true);
    asCounselor = apiClient(t.url, first.cookie);
    asCounselorCookie = first.cookie!;
    expect((await asCounselor.get<CurrentUser>('/auth/me')).status).toBe(200);
    const blocked = await asCounselor.get('/scheduling/availability');
    expect(blocked.status).toBe(403);
    expect(blocked.body.error?.code).toBe('totp_enrolment_required');
    await expect(connect(t.url, first.cookie)).rejects.toThrow(/totp_enrolment_required/);
    expect((await asCounselor.get<SecurityView>('/account/security')).body.data).toEqual({ totpEnabled: false, totpRequired: true, recoveryCodesLeft: 0 });
  });

  it('enrols with a QR code and a confirming code, and gives ten recovery codes once', async () => {
    const setup = await asCounselor.post<TotpSetupView>('/account/totp/setup');
    expect(setup.status).toBe(200);
    secret = setup.body.data!.secret;
    expect(setup.body.data?.qrSvg).toMatch(/^<svg/);
    expect(setup.body.data?.otpauthUri).toMatch(/^otpauth:\/\/totp\/CARE%20ASN/);

    const wrong = await asCounselor.post('/account/totp/confirm', { code: codeAt(0) === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.code).toBe('totp_invalid');
    const confirmed = await renewing('/api/account/totp/confirm', { code: codeAt(0) });
    expect(confirmed.status).toBe(200);
    recoveryCodes = (confirmed.body.data as RecoveryCodesView).recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    // Turning the second factor on gave this sign-in a new cookie; the old one is void.
    expect((await asCounselor.get('/auth/me')).status).toBe(401);
    asCounselor = apiClient(t.url, confirmed.cookie);

    expect((await asCounselor.get<CurrentUser>('/auth/me')).body.data?.totpEnrolmentRequired).toBe(false);
    expect((await asCounselor.get('/scheduling/availability')).status).toBe(200);
    const stored = await t.platform.db.connection.collection('users').findOne({ email });
    expect(JSON.stringify(stored)).not.toContain(secret);
    expect(JSON.stringify(stored)).not.toContain(recoveryCodes[0]);
    expect(t.logs.join('')).not.toContain(secret);
  });

  it('asks for the code after the password, signs in with the right one and refuses a wrong one', async () => {
    const id = await challenge();
    const wrong = await signIn({ challenge: id, code: '000000' === codeAt(30) ? '111111' : '000000' }, '/api/auth/login/totp');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error?.code).toBe('totp_invalid');
    expect(wrong.cookie).toBeUndefined();
    const right = await signIn({ challenge: id, code: codeAt(30) }, '/api/auth/login/totp');
    expect(right.status).toBe(200);
    expect(right.cookie).toMatch(/^care_session=/);
    expect((await apiClient(t.url, right.cookie).get('/scheduling/availability')).status).toBe(200);
    // The challenge was used up, and so was the code.
    expect((await signIn({ challenge: id, code: codeAt(30) }, '/api/auth/login/totp')).status).toBe(401);
    const replay = await signIn({ challenge: await challenge(), code: codeAt(30) }, '/api/auth/login/totp');
    expect(replay.body.error?.code).toBe('totp_invalid');
  });

  it('takes a recovery code once', async () => {
    const code = recoveryCodes[0]!;
    expect((await signIn({ challenge: await challenge(), code }, '/api/auth/login/totp')).status).toBe(200);
    expect((await signIn({ challenge: await challenge(), code }, '/api/auth/login/totp')).body.error?.code).toBe('totp_invalid');
    expect((await asCounselor.get<SecurityView>('/account/security')).body.data?.recoveryCodesLeft).toBe(9);
  });

  it('stops code guessing after five wrong codes, even for the right code', async () => {
    // A right code starts the count again (the recovery code tried twice above left one).
    expect((await signIn({ challenge: await challenge(), code: recoveryCodes[2] }, '/api/auth/login/totp')).status).toBe(200);
    const id = await challenge();
    for (let i = 0; i < 5; i++) {
      expect((await signIn({ challenge: id, code: `99999${i}` === codeAt(0) ? '888888' : `99999${i}` }, '/api/auth/login/totp')).status).toBe(401);
    }
    const locked = await signIn({ challenge: id, code: codeAt(-30) }, '/api/auth/login/totp');
    expect(locked.status).toBe(429);
    expect(locked.body.error?.code).toBe('rate_limited');
  });

  it('cannot be turned off when the role requires it', async () => {
    const off = await asCounselor.post('/account/totp/disable', { code: recoveryCodes[1] });
    expect(off.status).toBe(403);
  });

  it('leaves roles that do not require it alone (the demo ASN signs in with a password only)', async () => {
    const asn = await login(t.url, 'asn@demo.care-asn.id', 'demo-asn');
    expect((await apiClient(t.url, asn).get<CurrentUser>('/auth/me')).body.data?.totpEnrolmentRequired).toBe(false);
  });

  it('lets a role that does not require it turn it on and off again with a code', async () => {
    let cookie = await login(t.url, 'asn@demo.care-asn.id', 'demo-asn');
    const own = (await apiClient(t.url, cookie).post<TotpSetupView>('/account/totp/setup')).body.data!.secret;
    const on = await renewing('/api/account/totp/confirm', { code: codeAt(0, own) }, cookie);
    expect(on.status).toBe(200);
    cookie = on.cookie!;
    const off = await renewing('/api/account/totp/disable', { code: codeAt(30, own) }, cookie);
    expect(off.body.data).toEqual({ totpEnabled: false, totpRequired: false, recoveryCodesLeft: 0 });
    expect(off.cookie).not.toBe(cookie);
    // Turning it off renewed the cookie too: the one before is void.
    expect((await apiClient(t.url, cookie).get('/auth/me')).status).toBe(401);
    expect((await apiClient(t.url, off.cookie).get('/auth/me')).status).toBe(200);
    const stored = await t.platform.db.users.findOne({ email: 'asn@demo.care-asn.id' });
    expect(stored?.totpSecret).toBeNull();
  });
});
