import { demoAccounts, hashPassword } from '@care/server';
import type { LookedUpAccount, ManagedUserView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../integration/accounts/accounts-app.js';
import { connect, login, startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { endingOf } from './session-sockets.js';

/*
 * Administrators can be deactivated by another administrator — never by
 * themselves, and never the last active one. A deactivated administrator's
 * sessions end and their live connections drop on every node. Two
 * administrators deactivating each other at the same moment (the race a
 * read-then-write rule loses on FerretDB) leave exactly one of them active.
 */

const PASSWORD = 'an-admin-password-1';
let a: TestPlatform;
let b: TestPlatform;
const admins: Array<{ id: string; email: string }> = [];

async function makeAdmin(label: string): Promise<{ id: string; email: string }> {
  const email = `${label}-${Math.random().toString(36).slice(2, 8)}@admin.care-asn.id`;
  const user = await a.platform.db.users.create({ email, displayName: `Admin ${label}`, role: 'admin', passwordHash: await hashPassword(PASSWORD) });
  return { id: user.id as string, email };
}
const activeAdmins = () => a.platform.db.users.countDocuments({ role: 'admin', active: true });

beforeAll(async () => {
  a = await startTestPlatform();
  // A second node on the same database and Redis: connections there must drop too.
  b = await startTestPlatform({ MONGODB_DB: a.dbName });
  for (const label of ['first', 'second', 'third']) admins.push(await makeAdmin(label));
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

describe('administrators deactivating administrators', () => {
  it('one administrator deactivates another: their sessions end and their connections on every node drop; reactivation lets them in again', async () => {
    const [first, second] = admins as [{ id: string; email: string }, { id: string; email: string }];
    const asFirst = apiClient(a.url, await login(a.url, first.email, PASSWORD));
    const secondCookie = await login(a.url, second.email, PASSWORD);
    const onA = await connect(a.url, secondCookie);
    const onB = await connect(b.url, secondCookie);
    // Told why, then closed, on either node (the notice stream's one notice; nothing cuts the connection before it).
    const dropped = [endingOf(onA, 15_000), endingOf(onB, 15_000)];

    // The administrators are staff: listed, and found by address too.
    const listed = await asFirst.get<ManagedUserView[]>('/admin/users?role=admin');
    expect(listed.body.data?.map((u) => u.id)).toEqual(expect.arrayContaining([first.id, second.id]));
    const off = await asFirst.post<ManagedUserView>(`/admin/users/${second.id}/active`, { active: false });
    expect(off.status).toBe(200);
    expect(off.body.data).toMatchObject({ id: second.id, role: 'admin', active: false });
    expect(await Promise.all(dropped)).toEqual([0, 1].map(() => ({ reason: 'deactivated', disconnect: 'io server disconnect' })));
    expect((await apiClient(a.url, secondCookie).get('/auth/me')).status).toBe(401);
    const refused = await fetch(`${a.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: second.email, password: PASSWORD }) });
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([403, 'account_inactive']);

    const on = await asFirst.post<LookedUpAccount>('/admin/accounts/active', { email: second.email, active: true });
    expect(on.body.data).toEqual({ role: 'admin', agencyUnit: null, active: true });
    await login(a.url, second.email, PASSWORD);
  });

  it('never themselves, by id or by address', async () => {
    const [first] = admins as [{ id: string; email: string }];
    const asFirst = apiClient(a.url, await login(a.url, first.email, PASSWORD));
    for (const answer of [
      await asFirst.post(`/admin/users/${first.id}/active`, { active: false }),
      await asFirst.post('/admin/accounts/active', { email: first.email.toUpperCase(), active: false }),
    ]) {
      expect([answer.status, answer.body.error?.code]).toEqual([403, 'forbidden']);
    }
    expect((await a.platform.db.users.findById(first.id))?.active).toBe(true);
  });

  it('two administrators deactivating each other at once leave one active, again and again; the loser is told why', async () => {
    // Only two active administrators: the demo one and the third step aside.
    const [first, second, third] = admins as [{ id: string; email: string }, { id: string; email: string }, { id: string; email: string }];
    const asFirst = apiClient(a.url, await login(a.url, first.email, PASSWORD));
    const demo = await a.platform.db.users.findOne({ email: demoAccounts[2].email });
    for (const id of [String(demo?._id), third.id]) expect((await asFirst.post(`/admin/users/${id}/active`, { active: false })).status).toBe(200);
    expect(await activeAdmins()).toBe(2);

    for (let round = 0; round < 5; round++) {
      const asOne = apiClient(a.url, await login(a.url, first.email, PASSWORD));
      const asOther = apiClient(b.url, await login(b.url, second.email, PASSWORD));
      // Each on its own node, at the same moment.
      const answers = await Promise.all([
        asOne.post(`/admin/users/${second.id}/active`, { active: false }),
        asOther.post(`/admin/users/${first.id}/active`, { active: false }),
      ]);
      const outcomes = answers.map((x) => (x.status === 200 ? 'done' : `${x.status} ${x.body.error?.code}`));
      // One went through; the other was refused as the last one, or signed out by the winner before its turn came.
      expect([round, outcomes.filter((o) => o === 'done').length]).toEqual([round, 1]);
      expect(['409 last_admin', '401 unauthenticated', '403 account_inactive']).toContain(outcomes.find((o) => o !== 'done'));
      expect([round, await activeAdmins()]).toEqual([round, 1]);
      // The one left brings the other back for the next round.
      const survivor = (await a.platform.db.users.findOne({ _id: { $in: [first.id, second.id] }, active: true }))!;
      const other = String(survivor._id) === first.id ? second : first;
      const asSurvivor = apiClient(a.url, await login(a.url, survivor.email, PASSWORD));
      expect((await asSurvivor.post(`/admin/users/${other.id}/active`, { active: true })).status).toBe(200);
      expect(await activeAdmins()).toBe(2);
    }
  });

  it('a counselor or ASN cannot touch an administrator', async () => {
    const [first] = admins as [{ id: string; email: string }];
    const [counselor, asn] = demoAccounts;
    for (const who of [counselor, asn]) {
      const client = apiClient(a.url, await login(a.url, who.email, who.password));
      for (const answer of [await client.post(`/admin/users/${first.id}/active`, { active: false }), await client.post('/admin/accounts/active', { email: first.email, active: false })]) {
        expect([who.email, answer.status]).toEqual([who.email, 403]);
      }
    }
    expect((await a.platform.db.users.findById(first.id))?.active).toBe(true);
  });
});
