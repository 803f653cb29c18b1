import type { CircleView, FacilitatedCircleView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { circleBody, circlesClient, createAccounts, createCircle, type TestAccount } from './circles-client.js';

/*
 * Who may do what with circles, as a table: each role against each endpoint.
 * An ASN sees circles with counts and their own seat or place only; a
 * counselor their own circles and the people in them; an administrator
 * counts only. Another counselor's circle is "not found" (revealing nothing).
 */

type Actor = 'anonymous' | 'owner_asn' | 'other_asn' | 'owner_counselor' | 'other_counselor' | 'admin';
const actors: Actor[] = ['anonymous', 'owner_asn', 'other_asn', 'owner_counselor', 'other_counselor', 'admin'];

let t: TestPlatform;
const people = {} as Record<Exclude<Actor, 'anonymous'>, TestAccount>;

const client = (actor: Actor) => circlesClient(t.url, actor === 'anonymous' ? undefined : people[actor]);
/** A fresh circle of the owner counselor, with the owner ASN in it. */
async function freshCircle(): Promise<string> {
  const circle = await createCircle(t.url, people.owner_counselor);
  expect((await client('owner_asn').post(`/${circle.id}/enrol`)).status).toBe(200);
  return circle.id;
}

beforeAll(async () => {
  t = await startTestPlatform();
  const [ownerAsn, otherAsn] = await createAccounts(t, 'asn', 2, 'authz-asn');
  const [ownerCounselor, otherCounselor] = await createAccounts(t, 'counselor', 2, 'authz-counselor');
  const [admin] = await createAccounts(t, 'admin', 1, 'authz-admin');
  Object.assign(people, { owner_asn: ownerAsn, other_asn: otherAsn, owner_counselor: ownerCounselor, other_counselor: otherCounselor, admin });
});
afterAll(async () => {
  await t?.close();
});

type Call = (actor: Actor, circleId: string) => Promise<{ status: number; body: { error?: { code: string } } }>;

const endpoints: Record<string, Call> = {
  'GET /': (actor) => client(actor).get('/'),
  'GET /mine': (actor) => client(actor).get('/mine'),
  'GET /counts': (actor) => client(actor).get('/counts'),
  'POST /': (actor) => client(actor).post('/', circleBody()),
  'GET /:id/members': (actor, id) => client(actor).get(`/${id}/members`),
  'POST /:id/enrol': (actor, id) => client(actor).post(`/${id}/enrol`),
  'POST /:id/leave': (actor, id) => client(actor).post(`/${id}/leave`),
  'POST /:id/cancel': (actor, id) => client(actor).post(`/${id}/cancel`),
};

const ok = { status: 200 };
const created = { status: 201 };
const unauthenticated = { status: 401, code: 'unauthenticated' };
const forbidden = { status: 403, code: 'forbidden' };
const notFound = { status: 404, code: 'not_found' };

const expected: Record<string, Record<Actor, { status: number; code?: string }>> = {
  'GET /': { anonymous: unauthenticated, owner_asn: ok, other_asn: ok, owner_counselor: ok, other_counselor: ok, admin: forbidden },
  'GET /mine': { anonymous: unauthenticated, owner_asn: ok, other_asn: ok, owner_counselor: forbidden, other_counselor: forbidden, admin: forbidden },
  'GET /counts': { anonymous: unauthenticated, owner_asn: forbidden, other_asn: forbidden, owner_counselor: forbidden, other_counselor: forbidden, admin: ok },
  'POST /': { anonymous: unauthenticated, owner_asn: forbidden, other_asn: forbidden, owner_counselor: created, other_counselor: created, admin: forbidden },
  'GET /:id/members': { anonymous: unauthenticated, owner_asn: forbidden, other_asn: forbidden, owner_counselor: ok, other_counselor: notFound, admin: forbidden },
  'POST /:id/enrol': { anonymous: unauthenticated, owner_asn: ok, other_asn: ok, owner_counselor: forbidden, other_counselor: forbidden, admin: forbidden },
  'POST /:id/leave': { anonymous: unauthenticated, owner_asn: ok, other_asn: ok, owner_counselor: forbidden, other_counselor: forbidden, admin: forbidden },
  'POST /:id/cancel': { anonymous: unauthenticated, owner_asn: forbidden, other_asn: forbidden, owner_counselor: ok, other_counselor: notFound, admin: forbidden },
};

describe('circles authorization matrix', () => {
  const rows = Object.keys(endpoints).flatMap((endpoint) => actors.map((actor) => ({ endpoint, actor })));
  it.each(rows)('$endpoint as $actor', async ({ endpoint, actor }) => {
    const circleId = await freshCircle();
    const collections = ['circles', 'circle_meetings', 'circle_seats', 'circle_waitlist'].map((name) => t.platform.db.connection.collection(name));
    const before = await Promise.all(collections.map((c) => c.countDocuments({})));
    const answer = await endpoints[endpoint]!(actor, circleId);
    const want = expected[endpoint]![actor];
    expect(answer.status, JSON.stringify(answer.body)).toBe(want.status);
    if (want.code) {
      expect(answer.body.error?.code).toBe(want.code);
      // A refusal writes nothing.
      expect(await Promise.all(collections.map((c) => c.countDocuments({})))).toEqual(before);
    }
  });
});

describe('what each one sees', () => {
  it('an ASN: circles with counts and their own status, never the members; only their own circles under /mine', async () => {
    const circleId = await freshCircle();
    const browse = (await client('other_asn').get<CircleView[]>('/')).body.data!;
    const seen = browse.find((c) => c.id === circleId)!;
    expect(seen).toMatchObject({ seatsTaken: 1, mine: null });
    expect(JSON.stringify(browse)).not.toContain(people.owner_asn.displayName);
    expect(JSON.stringify(browse)).not.toContain(people.owner_asn.id);
    expect((await client('other_asn').get<CircleView[]>('/mine')).body.data?.some((c) => c.id === circleId)).toBe(false);
    expect((await client('owner_asn').get<CircleView[]>('/mine')).body.data?.find((c) => c.id === circleId)?.mine?.status).toBe('enrolled');
  });

  it('a counselor: their own circles with members; another counselor’s are not listed', async () => {
    const circleId = await freshCircle();
    const own = (await client('owner_counselor').get<FacilitatedCircleView[]>('/')).body.data!.find((c) => c.id === circleId)!;
    expect(own.members.map((m) => m.displayName)).toEqual([people.owner_asn.displayName]);
    const others = (await client('other_counselor').get<FacilitatedCircleView[]>('/')).body.data!;
    expect(others.some((c) => c.id === circleId)).toBe(false);
    expect(JSON.stringify(others)).not.toContain(people.owner_asn.displayName);
  });
});
