import { demoAccounts } from '@care/server';
import type { AccountLookupView, InviteCountsView, InviteView, LookedUpAccount, LookedUpInvite } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, login, nextEvent, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { apiClient, tokenOf, uniqueEmail, type ApiClient } from './accounts-app.js';

/*
 * Staff's ordinary work on one ASN at a time, by address: find them, send
 * their invite again, deactivate and reactivate them; and uptake as counts
 * per unit. (What a curious admin cannot do with it: tests/hostile.)
 */

let t: TestPlatform;
let asAdmin: ApiClient;

beforeAll(async () => {
  t = await startTestPlatform();
  asAdmin = apiClient(t.url, await login(t.url, demoAccounts[2].email, demoAccounts[2].password));
});
afterAll(() => t?.close());

const invite = async (email: string, agencyUnit: string) => {
  const answer = await asAdmin.post<InviteView>('/admin/invites', { email, displayName: 'Sari Wulandari', agencyUnit });
  expect(answer.status).toBe(201);
  return answer.body.data!;
};

describe('one ASN at a time, by address', () => {
  it('an open invite is found and sent again: a fresh link works, the old one no longer does', async () => {
    const email = uniqueEmail('resend');
    const first = await invite(email, 'DINKES');
    const found = await asAdmin.post<AccountLookupView>('/admin/accounts/lookup', { email });
    expect(found.body.data).toEqual({
      account: null,
      invite: { role: 'asn', agencyUnit: 'DINKES', state: 'open', expiresAt: first.expiresAt, devLink: first.devLink },
    });
    const again = await asAdmin.post<LookedUpInvite>('/admin/invites/resend', { email });
    expect(again.status).toBe(200);
    expect(again.body.data).toMatchObject({ state: 'open', devLink: expect.stringMatching(/\/invite\//) });
    expect(again.body.data?.devLink).not.toBe(first.devLink);
    const anonymous = apiClient(t.url);
    expect((await anonymous.post('/invites/accept', { token: tokenOf(first.devLink), password: 'a-long-password-1' })).body.error?.code).toBe('invite_invalid');
    expect((await anonymous.post('/invites/accept', { token: tokenOf(again.body.data?.devLink), password: 'a-long-password-1' })).status).toBe(201);
    expect((await asAdmin.post<AccountLookupView>('/admin/accounts/lookup', { email })).body.data).toMatchObject({
      account: { role: 'asn', agencyUnit: 'DINKES', active: true },
      invite: { state: 'accepted' },
    });
    // An accepted invite is not sent again.
    expect((await asAdmin.post('/admin/invites/resend', { email })).body.error?.code).toBe('invite_used');
  });

  it('an expired invite can be sent again too', async () => {
    const email = uniqueEmail('expired');
    await invite(email, 'BKD');
    await t.platform.db.connection.collection('invites').updateOne({ email }, { $set: { expiresAt: new Date(Date.now() - 60_000) } });
    expect((await asAdmin.post<AccountLookupView>('/admin/accounts/lookup', { email })).body.data?.invite?.state).toBe('expired');
    expect((await asAdmin.post<LookedUpInvite>('/admin/invites/resend', { email })).body.data?.state).toBe('open');
  });

  it('an account is deactivated by its address — its sessions and connections end — and reactivated', async () => {
    const [, asn] = demoAccounts;
    const cookie = await login(t.url, asn.email, asn.password);
    const socket = await connect(t.url, cookie);
    const dropped = nextEvent<string>(socket, 'disconnect');
    const off = await asAdmin.post<LookedUpAccount>('/admin/accounts/active', { email: asn.email, active: false });
    expect(off.body.data).toEqual({ role: 'asn', agencyUnit: 'DEMO', active: false });
    expect(await dropped).toBe('io server disconnect');
    expect((await apiClient(t.url, cookie).get('/auth/me')).status).toBe(401);
    expect((await asAdmin.post<LookedUpAccount>('/admin/accounts/active', { email: asn.email.toUpperCase(), active: true })).body.data?.active).toBe(true);
    await login(t.url, asn.email, asn.password);
  });

  it('an address nobody has is not found; a malformed one is refused', async () => {
    expect((await asAdmin.post('/admin/accounts/lookup', { email: uniqueEmail('nobody') })).status).toBe(404);
    expect((await asAdmin.post('/admin/accounts/lookup', { email: 'not an address' })).status).toBe(400);
    expect((await asAdmin.post('/admin/accounts/active', { email: uniqueEmail('nobody'), active: false })).status).toBe(404);
    expect((await asAdmin.post('/admin/invites/resend', { email: uniqueEmail('nobody') })).status).toBe(404);
  });
});

describe('uptake as counts per unit', () => {
  it('counts accepted, open and expired invites per unit; small units merged, small counts hidden', async () => {
    for (let i = 0; i < 11; i++) {
      const made = await invite(uniqueEmail(`counted-${i}`), 'COUNTED');
      if (i < 10) await apiClient(t.url).post('/invites/accept', { token: tokenOf(made.devLink), password: 'a-long-password-1' });
    }
    const counts = (await asAdmin.get<InviteCountsView>('/admin/invites/counts')).body.data!;
    expect(counts.minCount).toBe(10);
    expect(counts.units.find((u) => u.agencyUnit === 'COUNTED')).toEqual({ agencyUnit: 'COUNTED', accepted: 10, open: '<10', expired: 0 });
    // DINKES and BKD above have one invite each: together in "other", still fewer than ten, so withheld.
    expect(counts.units.find((u) => u.agencyUnit === 'other')).toEqual({ agencyUnit: 'other', accepted: null, open: null, expired: 0 });
    expect(counts.units.map((u) => u.agencyUnit)).toEqual(['COUNTED', 'other']);
    // A total would give a withheld or hidden count back.
    expect(counts.total).toEqual({ accepted: null, open: null, expired: 0 });
  });
});
