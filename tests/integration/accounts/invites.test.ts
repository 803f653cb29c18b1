import { demoAccounts } from '@care/server';
import type { CsvInviteReport, InviteView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { apiClient, tokenOf, uniqueEmail, type ApiClient } from './accounts-app.js';

const admin = demoAccounts[2];
let t: TestPlatform;
let asAdmin: ApiClient;
let anonymous: ApiClient;

beforeAll(async () => {
  t = await startTestPlatform();
  asAdmin = apiClient(t.url, await login(t.url, admin.email, admin.password));
  anonymous = apiClient(t.url);
});
afterAll(async () => {
  await t.platform.redis.del(...(await t.platform.redis.keys('ratelimit:invite*')), 'ratelimit:none');
  await t.close();
});

const invite = async (label: string, extra: Record<string, unknown> = {}) => {
  const email = uniqueEmail(label);
  const answer = await asAdmin.post<InviteView>('/admin/invites', { email, displayName: `Invitee ${label}`, agencyUnit: 'dinkes', ...extra });
  expect(answer.status).toBe(201);
  return { email, invite: answer.body.data! };
};

describe('single invites', () => {
  it('invites a person by email; the link opens once, sets a password, and the account signs in with the invite role and unit', async () => {
    const { email, invite: created } = await invite('single');
    expect(created.agencyUnit).toBe('DINKES');
    expect(created.role).toBe('asn');
    const token = tokenOf(created.devLink);

    const lookup = await anonymous.get<{ email: string }>(`/invites/${token}`);
    expect(lookup.status).toBe(200);
    expect(lookup.body.data?.email).toBe(email);

    const accepted = await anonymous.post('/invites/accept', { token, password: 'a-long-enough-password', displayName: 'Sari' });
    expect(accepted.status).toBe(201);
    const cookie = await login(t.url, email, 'a-long-enough-password');
    const me = await apiClient(t.url, cookie).get<{ role: string; displayName: string }>('/auth/me');
    expect(me.body.data).toMatchObject({ role: 'asn', displayName: 'Sari' });
    const stored = await t.platform.db.users.findOne({ email });
    expect(stored?.agencyUnit).toBe('DINKES');

    const again = await anonymous.post('/invites/accept', { token, password: 'another-long-password' });
    expect(again.status).toBe(410);
    expect(again.body.error?.code).toBe('invite_used');
    expect((await anonymous.get(`/invites/${token}`)).body.error?.code).toBe('invite_used');
  });

  it('stores only the SHA-256 of the token, and logs neither the token nor the address', async () => {
    const { email, invite: created } = await invite('hashed');
    const token = tokenOf(created.devLink);
    const raw = await t.platform.db.connection.collection('invites').findOne({ email });
    expect(JSON.stringify(raw)).not.toContain(token);
    expect(raw?.tokenHash).toMatch(/^[a-f0-9]{64}$/);
    const logs = t.logs.join('');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(email);
  });

  it('refuses a second invite for an address with an open invite or an account, and bad input with issues', async () => {
    const { email } = await invite('twice');
    const twice = await asAdmin.post('/admin/invites', { email, displayName: 'Again', agencyUnit: 'BKD' });
    expect(twice.status).toBe(409);
    expect(twice.body.error?.code).toBe('already_exists');
    const existing = await asAdmin.post('/admin/invites', { email: demoAccounts[1].email, displayName: 'Budi', agencyUnit: 'BKD' });
    expect(existing.body.error?.code).toBe('already_exists');
    const bad = await asAdmin.post('/admin/invites', { email: 'not-an-email', displayName: '', agencyUnit: 'has space' });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.issues?.map((i) => i.path).sort()).toEqual(['agencyUnit', 'displayName', 'email']);
  });

  it('says when a link has expired, and lets the admin invite that address again', async () => {
    const { email, invite: created } = await invite('expired');
    await t.platform.db.connection.collection('invites').updateOne({ email }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const token = tokenOf(created.devLink);
    const late = await anonymous.post('/invites/accept', { token, password: 'a-long-enough-password' });
    expect(late.status).toBe(410);
    expect(late.body.error?.code).toBe('invite_expired');
    expect(await t.platform.db.users.exists({ email })).toBeNull();
    const fresh = await asAdmin.post<InviteView>('/admin/invites', { email, displayName: 'Again', agencyUnit: 'BKD' });
    expect(fresh.status).toBe(201);
    expect(tokenOf(fresh.body.data?.devLink)).not.toBe(token);
  });

  it('answers an unknown token with invite_invalid and a short password with issues', async () => {
    const unknown = await anonymous.post('/invites/accept', { token: 'A'.repeat(43), password: 'a-long-enough-password' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('invite_invalid');
    const { invite: created } = await invite('short');
    const short = await anonymous.post('/invites/accept', { token: tokenOf(created.devLink), password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error?.issues?.[0]?.path).toBe('password');
  });

  it('gives exactly one account when one link is accepted from ten tabs at once', async () => {
    const { email, invite: created } = await invite('race');
    const token = tokenOf(created.devLink);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => anonymous.post('/invites/accept', { token, password: `password-number-${i}` })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    for (const loser of answers.filter((a) => a.status !== 201)) expect(loser.body.error?.code).toBe('invite_used');
    expect(await t.platform.db.users.countDocuments({ email })).toBe(1);
  });
});

describe('CSV invites', () => {
  it('invites the good rows and reports each skipped row with its reason', async () => {
    const [a, b, c] = [uniqueEmail('csv-a'), uniqueEmail('csv-b'), uniqueEmail('csv-c')];
    const csv = [
      'email,displayName,agencyUnit',
      `${a},Ani,DINKES`,
      `not-an-email,Bad,DINKES`,
      `${b},"Budi, S.Kom",BKD`,
      `${a.toUpperCase()},Ani again,DINKES`,
      `${demoAccounts[1].email},Budi ASN,DINKES`,
      `${c},Citra,has space`,
      '',
    ].join('\n');
    const answer = await asAdmin.post<CsvInviteReport>('/admin/invites/csv', { csv });
    expect(answer.status).toBe(200);
    const report = answer.body.data!;
    expect(report.invited).toBe(2);
    expect(report.skipped).toBe(4);
    expect(report.rows.map((r) => [r.line, r.status, r.status === 'skipped' ? r.reason : r.email])).toEqual([
      [2, 'invited', a],
      [3, 'skipped', 'invalid_email'],
      [4, 'invited', b],
      [5, 'skipped', 'duplicate_in_file'],
      [6, 'skipped', 'already_exists'],
      [7, 'skipped', 'invalid_unit'],
    ]);
    expect(await t.platform.db.connection.collection('invites').countDocuments({ email: { $in: [a, b, c] } })).toBe(2);
    const budi = report.rows.find((r) => r.email === b);
    expect(budi?.status === 'invited' && budi.invite.displayName).toBe('Budi, S.Kom');
  });

  it('reads semicolon files with Indonesian headers, and refuses a file without the columns or over 1000 rows', async () => {
    const email = uniqueEmail('csv-semi');
    const semi = await asAdmin.post<CsvInviteReport>('/admin/invites/csv', { csv: `email;nama;unit\n${email};Dewi;BAPPEDA\n` });
    expect(semi.body.data?.invited).toBe(1);
    const noHeader = await asAdmin.post('/admin/invites/csv', { csv: `${uniqueEmail('x')},X,Y\n` });
    expect(noHeader.status).toBe(400);
    expect(noHeader.body.error?.message).toMatch(/email, displayName and agencyUnit/);
    const rows = Array.from({ length: 1001 }, (_, i) => `p${i}@x.id,P ${i},U`);
    const tooMany = await asAdmin.post('/admin/invites/csv', { csv: `email,displayName,agencyUnit\n${rows.join('\n')}` });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error?.message).toMatch(/1000/);
  });

  it('is for admins only', async () => {
    const asn = apiClient(t.url, await login(t.url, demoAccounts[1].email, demoAccounts[1].password));
    const counselor = apiClient(t.url, await login(t.url, demoAccounts[0].email, demoAccounts[0].password));
    for (const who of [asn, counselor]) {
      expect((await who.post('/admin/invites', { email: uniqueEmail('no'), displayName: 'No', agencyUnit: 'X' })).status).toBe(403);
      expect((await who.post('/admin/invites/csv', { csv: 'email,displayName,agencyUnit\n' })).status).toBe(403);
    }
    expect((await anonymous.post('/admin/invites', {})).status).toBe(401);
  });
});

describe('invite link rate limit', () => {
  it('refuses an address that keeps trying unknown links, even with a good one', async () => {
    const { invite: created } = await invite('limited');
    await t.platform.redis.del(...(await t.platform.redis.keys('ratelimit:invite:*')), 'ratelimit:none');
    // The default budget: 100 failed tries per address in 15 minutes (RATE_LIMIT_ADDRESS_BUDGET).
    for (let i = 0; i < 100; i++) expect((await anonymous.get(`/invites/${String(i).padStart(43, 'x')}`)).status).toBe(404);
    const locked = await anonymous.get(`/invites/${tokenOf(created.devLink)}`);
    expect(locked.status).toBe(429);
    expect(locked.body.error?.code).toBe('rate_limited');
  });
});
