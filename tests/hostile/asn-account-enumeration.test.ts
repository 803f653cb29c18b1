import type { AccountLookupView, InviteCountsView, InviteView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient, tokenOf, type ApiClient } from '../integration/accounts/accounts-app.js';
import { createAccounts, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { sessionHeaders, startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * The curious administrator wants the list of civil servants who hold a
 * CARE account — who accepted, who is in counseling. There is none to get:
 * every admin route is tried, with query variants, and the one look-up there
 * is (by exact address) with wildcards, patterns, operators, prefixes and
 * case tricks. An ASN is found only by their exact address (case and spaces
 * aside), and then only as a role, unit and state; ids cannot be walked;
 * invites are counted per unit, suppressed.
 */

let t: TestPlatform;
let admin: TestAccount;
let asAdmin: ApiClient;
/** ASN who accepted an invite, ASN with an open invite, ASN made without one. */
const accepted: Array<{ email: string; name: string }> = [];
const open: Array<{ email: string; name: string }> = [];
let direct: TestAccount[];
const bodies: string[] = [];

async function record<T>(answer: Promise<{ status: number; body: { ok: boolean; data?: T } }>) {
  const settled = await answer;
  bodies.push(JSON.stringify(settled.body));
  return settled;
}

beforeAll(async () => {
  t = await startTestPlatform();
  [admin] = (await createAccounts(t, 'admin', 1, 'enum-admin')) as [TestAccount];
  asAdmin = apiClient(t.url, admin.cookie);
  // Invites go out through the admin API; some are accepted through the invite link, as invitees do.
  for (let i = 0; i < 6; i++) {
    const person = { email: `Enum.Person-${i}@Example.go.id`.toLowerCase(), name: `Enum Person ${i}` };
    const invited = await asAdmin.post<InviteView>('/admin/invites', { email: person.email, displayName: person.name, agencyUnit: 'ENUM' });
    expect(invited.status).toBe(201);
    if (i < 4) {
      expect((await apiClient(t.url).post('/invites/accept', { token: tokenOf(invited.body.data?.devLink), password: 'a-long-password-1' })).status).toBe(201);
      accepted.push(person);
    } else open.push(person);
  }
  direct = await createAccounts(t, 'asn', 3, 'enum-direct');
});
afterAll(() => t?.close());

describe('no list of ASN accounts, however asked', () => {
  it('every list route refuses ASN, or lists staff only', async () => {
    for (const path of ['/admin/users?role=asn', '/admin/users?role=ASN', '/admin/users?role=asn&role=counselor', '/admin/users?role[]=asn', '/admin/users?role=*', '/admin/users?role=', '/admin/users?role=asn%00', '/admin/users?role=counselor&extra=1']) {
      const answer = await record(asAdmin.get(path));
      expect([path, answer.status]).toEqual([path, 400]);
    }
    for (const path of ['/admin/invites?role=asn', '/admin/invites?role=ASN', '/admin/invites?role=asn&role=counselor', '/admin/invites?role[]=asn', '/admin/invites?all=1']) {
      const answer = await record(asAdmin.get(path));
      expect([path, answer.status]).toEqual([path, 400]);
    }
    for (const path of ['/admin/users', '/admin/users?role=counselor', '/admin/users?role=admin', '/admin/invites', '/admin/invites?role=counselor']) {
      const answer = await record(asAdmin.get(path));
      expect([path, answer.status]).toEqual([path, 200]);
    }
    // Routes that do not exist stay not found: no hidden way round.
    for (const path of ['/admin/accounts', '/admin/accounts/lookup?email=' + encodeURIComponent(accepted[0]!.email), '/admin/users/asn', '/admin/asn', '/admin/invites/accepted', '/admin/invites/all']) {
      const answer = await record(asAdmin.get(path));
      expect([path, answer.status]).toEqual([path, 404]);
    }
  });

  it('a staff id route does not reach an ASN account, and walking ids finds nothing', async () => {
    for (const target of direct) {
      const answer = await record(asAdmin.post(`/admin/users/${target.id}/active`, { active: true }));
      expect([answer.status, (answer.body as { error?: { code: string } }).error?.code]).toEqual([404, 'not_found']);
    }
    // Neighbouring ObjectIds (same process, next counter values) answer exactly like a random one.
    const base = direct[0]!.id;
    const counter = parseInt(base.slice(18), 16);
    for (let step = -3; step <= 3; step++) {
      const id = `${base.slice(0, 18)}${(counter + step).toString(16).padStart(6, '0')}`;
      const answer = await record(asAdmin.post(`/admin/users/${id}/active`, { active: true }));
      expect([id, answer.status]).toEqual([id, 404]);
    }
    expect(await t.platform.db.users.countDocuments({ _id: { $in: direct.map((d) => d.id) }, active: true })).toBe(3);
  });

  it('the look-up finds one account by its exact address only — no wildcard, pattern, operator or prefix', async () => {
    const someone = accepted[0]!;
    const tricks: unknown[] = [
      { email: '*' },
      { email: '.*' },
      { email: '%' },
      { email: '*@example.go.id' },
      { email: '.*@example.go.id' },
      { email: 'enum.person-%@example.go.id' },
      { email: 'enum.person-.*@example.go.id' },
      { email: 'enum.person-[0-9]@example.go.id' },
      { email: someone.email.slice(0, 10) },
      { email: someone.email.replace('@', '') },
      { email: `${someone.email}x` },
      { email: `x${someone.email}` },
      { email: someone.email.replace('example.go.id', 'example.go') },
      { email: { $regex: '.*' } },
      { email: { $ne: null } },
      { email: { $gt: '' } },
      { email: [someone.email, accepted[1]!.email] },
      { email: someone.email, role: 'asn' },
      { email: someone.email, $where: '1' },
      {},
      { role: 'asn' },
      '*',
    ];
    for (const body of tricks) {
      const answer = await record(asAdmin.post<AccountLookupView>('/admin/accounts/lookup', body));
      // Refused as malformed, or an address nobody has: never a result.
      expect([body, answer.status === 400 || answer.status === 404, answer.body.data]).toEqual([body, true, undefined]);
    }
    // The exact address, in any case and with spaces around it, is the one account: its role, unit and state only.
    for (const spelled of [someone.email, someone.email.toUpperCase(), `  ${someone.email}  `]) {
      const found = await record(asAdmin.post<AccountLookupView>('/admin/accounts/lookup', { email: spelled }));
      expect(found.status).toBe(200);
      expect(found.body.data).toEqual({
        account: { role: 'asn', agencyUnit: 'ENUM', active: true },
        invite: { role: 'asn', agencyUnit: 'ENUM', state: 'accepted', expiresAt: expect.any(String) },
      });
    }
    expect((await record(asAdmin.post<AccountLookupView>('/admin/accounts/lookup', { email: open[0]!.email }))).body.data).toMatchObject({
      account: null,
      invite: { state: 'open' },
    });
  });

  it('looking up address after address is limited', async () => {
    const [prober] = (await createAccounts(t, 'admin', 1, 'enum-prober')) as [TestAccount];
    const asProber = apiClient(t.url, prober.cookie);
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) statuses.push((await record(asProber.post('/admin/accounts/lookup', { email: `guess-${i}@example.go.id` }))).status);
    expect(statuses.slice(0, 30).every((s) => s === 404)).toBe(true);
    expect(statuses.slice(30)).toEqual([429, 429]);
    // The same budget covers acting by address.
    expect((await record(asProber.post('/admin/accounts/active', { email: accepted[1]!.email, active: true }))).status).toBe(429);
  });

  it('invites are counted per unit, suppressed; the counts name no one', async () => {
    const counts = await record(asAdmin.get<InviteCountsView>('/admin/invites/counts'));
    expect(counts.status).toBe(200);
    // ENUM has 6 invites (< k): merged into "other", which is still fewer than k, so its counts are withheld;
    // the totals, all small, say only "<10".
    expect(counts.body.data).toEqual({ minCount: 10, units: [{ agencyUnit: 'other', accepted: null, open: null, expired: 0 }], total: { accepted: '<10', open: '<10', expired: 0 } });
  });

  it('no answer to the administrator holds an ASN’s name, address or id', () => {
    const everything = bodies.join('\n');
    expect(bodies.length).toBeGreaterThan(50);
    for (const person of [...accepted, ...open]) {
      expect(everything).not.toContain(person.email);
      expect(everything).not.toContain(person.name);
    }
    for (const person of direct) {
      expect(everything).not.toContain(person.id);
      expect(everything).not.toContain(person.displayName);
    }
  });

  it('a counselor or ASN gets none of it', async () => {
    const [counselor] = (await createAccounts(t, 'counselor', 1, 'enum-counselor')) as [TestAccount];
    for (const who of [counselor, direct[0]!]) {
      const client = apiClient(t.url, who.cookie);
      expect((await client.get('/admin/invites/counts')).status).toBe(403);
      expect((await client.post('/admin/accounts/lookup', { email: accepted[0]!.email })).status).toBe(403);
      const raw = await fetch(`${t.url}/api/admin/users?role=counselor`, { headers: sessionHeaders(who.cookie) });
      expect(raw.status).toBe(403);
    }
  });
});
