import { demoAccounts } from '@care/server';
import type { InviteView, ManagedUserView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, login, nextEvent, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { apiClient, tokenOf, uniqueEmail, type ApiClient } from './accounts-app.js';

const admin = demoAccounts[2];
let t: TestPlatform;
let asAdmin: ApiClient;
let counselor: { id: string; email: string; password: string };

beforeAll(async () => {
  t = await startTestPlatform();
  const adminCookie = await login(t.url, admin.email, admin.password);
  asAdmin = apiClient(t.url, adminCookie);
  const email = uniqueEmail('counselor');
  const invited = await asAdmin.post<InviteView>('/admin/invites', { email, displayName: 'Rina Konselor', agencyUnit: 'PSIKOLOG', role: 'counselor' });
  expect(invited.status).toBe(201);
  const password = 'counselor-password-1';
  expect((await apiClient(t.url).post('/invites/accept', { token: tokenOf(invited.body.data?.devLink), password })).status).toBe(201);
  const user = await t.platform.db.users.findOne({ email });
  counselor = { id: user!.id as string, email, password };
});
afterAll(() => t.close());

describe('counselor management', () => {
  it('lists counselors with name, email and whether they are active — and nothing about bookings', async () => {
    const list = await asAdmin.get<ManagedUserView[]>('/admin/users?role=counselor');
    expect(list.status).toBe(200);
    const rina = list.body.data?.find((u) => u.id === counselor.id);
    expect(rina).toEqual({ id: counselor.id, displayName: 'Rina Konselor', email: counselor.email, role: 'counselor', agencyUnit: 'PSIKOLOG', active: true });
    expect(Object.keys(rina ?? {}).sort()).toEqual(['active', 'agencyUnit', 'displayName', 'email', 'id', 'role']);
  });

  it('deactivating ends the sessions and live connections at once; sign-in is refused until reactivated', async () => {
    const cookie = await login(t.url, counselor.email, counselor.password);
    const socket = await connect(t.url, cookie);
    const dropped = nextEvent<string>(socket, 'disconnect');
    expect((await apiClient(t.url, cookie).get('/auth/me')).status).toBe(200);

    const off = await asAdmin.post<ManagedUserView>(`/admin/users/${counselor.id}/active`, { active: false });
    expect(off.body.data?.active).toBe(false);
    expect(await dropped).toBe('io server disconnect');
    expect((await apiClient(t.url, cookie).get('/auth/me')).status).toBe(401);
    expect(await t.platform.redis.keys(`user-sessions:${counselor.id}`)).toEqual([]);

    const refused = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: counselor.email, password: counselor.password }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('account_inactive');
    await expect(connect(t.url, cookie)).rejects.toThrow(/unauthenticated/);

    expect((await asAdmin.post<ManagedUserView>(`/admin/users/${counselor.id}/active`, { active: true })).body.data?.active).toBe(true);
    await login(t.url, counselor.email, counselor.password);
  });

  it('refuses an admin deactivating themself, unknown ids, and everyone who is not an admin', async () => {
    const me = await asAdmin.get<{ id: string }>('/auth/me');
    expect((await asAdmin.post(`/admin/users/${me.body.data?.id}/active`, { active: false })).status).toBe(403);
    expect((await asAdmin.post(`/admin/users/${'0'.repeat(24)}/active`, { active: false })).status).toBe(404);
    expect((await asAdmin.post('/admin/users/nope/active', { active: false })).status).toBe(400);
    const asCounselor = apiClient(t.url, await login(t.url, counselor.email, counselor.password));
    expect((await asCounselor.get('/admin/users?role=counselor')).status).toBe(403);
    expect((await asCounselor.post(`/admin/users/${counselor.id}/active`, { active: false })).status).toBe(403);
  });
});
