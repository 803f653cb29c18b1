import { demoAccounts, WRITE_MARK_KEY } from '@care/server';
import type { BookingView, CounselorSlotsView, CurrentUser, NotificationSettingsView, SecurityView, TotpSetupView } from '@care/shared';
import { Types } from 'mongoose';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson } from '../hostile/credential-requests.js';
import { TwoSessionNodes } from '../hostile/session-sockets.js';
import { CommandCensus } from '../support/command-census.js';
import { login, sessionHeaders, startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { apiClient } from './accounts/accounts-app.js';
import { allWeek, createAccounts, schedulingClient, type TestAccount } from './scheduling/scheduling-app.js';

/*
 * The signed-in account, counselors' rules and people's names are kept in
 * each server node's memory, and every change to them — whichever node, or
 * which code, makes it — is seen on every other node by the very next
 * request once the change has been answered. Two platforms on one Redis and
 * database stand for two nodes; every change is made through node A's real
 * routes (or its models), and node B is asked at once, without waiting.
 */

// The createAccounts password.
const PASSWORD = 'not-used-by-these-tests';
let nodes: TwoSessionNodes;
let a: TestPlatform;
let b: TestPlatform;
let adminA: ReturnType<typeof apiClient>;

const me = async (node: TestPlatform, cookie: string) => {
  const answer = await apiClient(node.url, cookie).get<CurrentUser>('/auth/me');
  return { status: answer.status, user: answer.body.data };
};
const writeMark = async () => Number((await a.platform.redis.get(WRITE_MARK_KEY)) ?? 0);

/** A counselor open all week, and their next free slots as an ASN sees them. */
async function openCounselor(label: string): Promise<{ counselor: TestAccount; slots: string[] }> {
  const [counselor] = (await createAccounts(a, 'counselor', 1, label)) as [TestAccount];
  expect((await schedulingClient(a.url, counselor.cookie).put('/availability', { weekly: allWeek, minNoticeHours: 1, maxPerDay: 24, horizonDays: 60 })).status).toBe(200);
  const listed = await schedulingClient(b.url, counselor.cookie).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  return { counselor, slots: (listed.body.data?.slots ?? []).map((s) => s.startsAt) };
}

beforeAll(async () => {
  nodes = await TwoSessionNodes.start();
  ({ a, b } = nodes);
  const admin = demoAccounts[2];
  adminA = apiClient(a.url, await login(a.url, admin.email, admin.password));
});
afterAll(() => nodes.close());

describe('a change on one node is seen on the other at once', () => {
  it('time zone and language, flipped twenty times on alternate nodes, are never read stale', async () => {
    const [asn] = await createAccounts(a, 'asn', 1, 'flip');
    const zones = ['Asia/Makassar', 'Asia/Jayapura'] as const;
    // Both nodes cache the account first.
    expect((await me(a, asn!.cookie)).status).toBe(200);
    expect((await me(b, asn!.cookie)).status).toBe(200);
    for (let i = 0; i < 20; i += 1) {
      const [writer, reader] = i % 2 === 0 ? [a, b] : [b, a];
      const zone = zones[i % 2]!;
      const locale = i % 2 === 0 ? 'en' : 'id';
      expect((await apiClient(writer.url, asn!.cookie).post('/auth/time-zone', { timeZone: zone })).status).toBe(200);
      expect((await apiClient(writer.url, asn!.cookie).post('/auth/locale', { locale })).status).toBe(200);
      const seen = await me(reader, asn!.cookie);
      expect(seen.user?.timeZone).toBe(zone);
      expect(seen.user?.locale).toBe(locale);
    }
  });

  it('consent and notification choices are told to every node, and read back as changed', async () => {
    const [asn] = await createAccounts(a, 'asn', 1, 'choices');
    expect((await me(b, asn!.cookie)).user?.consentAcceptedAt).toBeNull();
    const before = await writeMark();
    expect((await apiClient(a.url, asn!.cookie).post('/auth/consent', { accepted: true })).status).toBe(200);
    expect(await writeMark()).toBeGreaterThan(before);
    expect((await me(b, asn!.cookie)).user?.consentAcceptedAt).not.toBeNull();

    const afterConsent = await writeMark();
    const put = await fetch(`${a.url}/api/account/notifications`, {
      method: 'PUT',
      headers: { ...sessionHeaders(asn!.cookie), 'content-type': 'application/json' },
      body: JSON.stringify({ email: false, reminderOffsets: [15] }),
    });
    expect(put.status).toBe(200);
    expect(await writeMark()).toBeGreaterThan(afterConsent);
    const read = await apiClient(b.url, asn!.cookie).get<NotificationSettingsView>('/account/notifications');
    expect(read.body.data).toMatchObject({ email: false, reminderOffsets: [15] });
  });

  it('a new password: the new cookie works on the other node at once, the old one nowhere', async () => {
    const [asn] = await createAccounts(a, 'asn', 1, 'password');
    expect((await me(b, asn!.cookie)).status).toBe(200);
    const changed = await postJson(a.url, '/api/auth/password', { currentPassword: PASSWORD, newPassword: 'a-brand-new-password-1' }, sessionHeaders(asn!.cookie));
    expect(changed.status).toBe(200);
    // Node B knew the account with the old password's stamp; had it kept it, it would void the new sign-in.
    expect((await me(b, changed.cookie!)).status).toBe(200);
    expect((await me(a, changed.cookie!)).status).toBe(200);
    expect((await me(b, asn!.cookie)).status).toBe(401);
  });

  it('a second factor turned on is seen by the other node at once', async () => {
    const [counselor] = await createAccounts(a, 'counselor', 1, 'totp');
    const security = async (node: TestPlatform, cookie: string) => (await apiClient(node.url, cookie).get<SecurityView>('/account/security')).body.data;
    expect((await security(b, counselor!.cookie))?.totpEnabled).toBe(false);
    const setup = await apiClient(a.url, counselor!.cookie).post<TotpSetupView>('/account/totp/setup');
    const code = new TOTP({ secret: Secret.fromBase32(setup.body.data!.secret), algorithm: 'SHA1', digits: 6, period: 30 }).generate();
    const before = await writeMark();
    const confirmed = await postJson(a.url, '/api/account/totp/confirm', { code }, sessionHeaders(counselor!.cookie));
    expect(confirmed.status).toBe(200);
    expect(await writeMark()).toBeGreaterThan(before);
    expect((await security(b, confirmed.cookie!))?.totpEnabled).toBe(true);
    expect((await me(b, confirmed.cookie!)).status).toBe(200);
  });

  it('a deactivated counselor is neither shown nor bookable on the other node, and is again once reactivated', async () => {
    const { counselor, slots } = await openCounselor('deactivated');
    const [asn] = await createAccounts(a, 'asn', 1, 'books-deactivated');
    const onB = schedulingClient(b.url, asn!.cookie);
    // Node B has the counselor (and their rules) cached from the page.
    expect((await onB.get(`/counselors/${counselor.id}/slots`)).status).toBe(200);

    expect((await adminA.post(`/admin/users/${counselor.id}/active`, { active: false })).status).toBe(200);
    expect((await onB.get(`/counselors/${counselor.id}/slots`)).status).toBe(404);
    const refused = await onB.post('/bookings', { counselorId: counselor.id, startsAt: slots[0] });
    expect(refused.status).toBe(404);
    expect(refused.body.error?.code).toBe('not_found');

    expect((await adminA.post(`/admin/users/${counselor.id}/active`, { active: true })).status).toBe(200);
    expect((await onB.post('/bookings', { counselorId: counselor.id, startsAt: slots[0] })).status).toBe(201);
  });

  it('a deactivated ASN is refused on the other node at once', async () => {
    const [asn] = await createAccounts(a, 'asn', 1, 'deactivated-asn');
    const email = (await a.platform.db.users.findById(asn!.id))!.email;
    expect((await me(b, asn!.cookie)).status).toBe(200);
    expect((await adminA.post('/admin/accounts/active', { email, active: false })).status).toBe(200);
    expect((await me(b, asn!.cookie)).status).toBe(401);
  });

  it('new rules from the counselor hold on the other node for the very next booking', async () => {
    const { counselor, slots } = await openCounselor('rules');
    const asns = await createAccounts(a, 'asn', 6, 'rules-asn');
    const onA = schedulingClient(a.url, counselor.cookie);
    for (let round = 0; round < 3; round += 1) {
      const asn = asns[round * 2]!;
      // Closed on node A: node B refuses the booking at once …
      expect((await onA.put('/availability', { weekly: [], minNoticeHours: 1, maxPerDay: 24, horizonDays: 60 })).status).toBe(200);
      const refused = await schedulingClient(b.url, asn.cookie).post('/bookings', { counselorId: counselor.id, startsAt: slots[round] });
      expect(refused.status).toBe(422);
      expect(refused.body.error?.code).toBe('outside_availability');
      // … and opened again, books it at once.
      expect((await onA.put('/availability', { weekly: allWeek, minNoticeHours: 1, maxPerDay: 24, horizonDays: 60 })).status).toBe(200);
      expect((await schedulingClient(b.url, asns[round * 2 + 1]!.cookie).post('/bookings', { counselorId: counselor.id, startsAt: slots[round] })).status).toBe(201);
    }
  });

  it('a name changed by any code that writes users (here straight through node A’s model) is the name node B answers with', async () => {
    const { counselor, slots } = await openCounselor('renamed');
    const [asn] = await createAccounts(a, 'asn', 2, 'sees-name');
    const first = await schedulingClient(b.url, asn!.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[0] });
    expect(first.body.data?.counselor.displayName).toBe(counselor.displayName);
    await a.platform.db.users.updateOne({ _id: new Types.ObjectId(counselor.id) }, { $set: { displayName: 'Nama Baru Konselor' } });
    const second = await schedulingClient(b.url, asn!.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[1] });
    expect(second.body.data?.counselor.displayName).toBe('Nama Baru Konselor');
  });
});

describe('what the caches save', () => {
  it('a node reads a signed-in person from the database once, then answers from memory: one Redis command a request', async () => {
    // The census needs the node's own database client, which exists once the node has started.
    const watch: { census?: CommandCensus } = {};
    const c = await startTestPlatform(
      { MONGODB_DB: a.dbName },
      { monitorDatabaseCommands: true, aroundRequest: (req, res, handle) => (watch.census ? watch.census.around(req, res, handle) : handle()) },
    );
    const census = new CommandCensus(c.platform.db.connection.getClient());
    watch.census = census;
    try {
      const [asn] = await createAccounts(a, 'asn', 1, 'repeat');
      census.take();
      for (let i = 0; i < 3; i += 1) expect((await me(c, asn!.cookie)).status).toBe(200);
      const [first, ...again] = census.take().tallies;
      expect(first?.onPath.db).toEqual(['find']);
      expect(first?.onPath.redis).toEqual(['eval']);
      for (const tally of again) expect(tally.onPath).toEqual({ db: [], redis: ['eval'] });
    } finally {
      census.close();
      await c.close();
    }
  });
});
