import type { BookingView, CounselorSlotsView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, startSchedulingApp, type SchedulingApp, type TestAccount } from './scheduling-app.js';

/*
 * Who sees what, as a table: each role against each endpoint, and the
 * contents each one gets back. An ASN sees only their own bookings; a
 * counselor only their own calendar and the people booked with them; an
 * administrator nothing here (403 everywhere: employer-blind).
 */

type Actor = 'anonymous' | 'owner_asn' | 'other_asn' | 'owner_counselor' | 'other_counselor' | 'admin';

let t: TestPlatform;
let app: SchedulingApp;
const people = {} as Record<Exclude<Actor, 'anonymous'>, TestAccount>;
let slots: string[] = [];
let nextSlot = 0;

const client = (actor: Actor) => schedulingClient(app.url, actor === 'anonymous' ? undefined : people[actor].cookie);
const takeSlot = () => slots[nextSlot++]!;

/** A fresh booking of the owner ASN with the owner counselor, far enough ahead to change. */
async function freshBooking(): Promise<BookingView> {
  const answer = await client('owner_asn').post<BookingView>('/bookings', { counselorId: people.owner_counselor.id, startsAt: takeSlot() });
  expect(answer.status).toBe(201);
  return answer.body.data!;
}

beforeAll(async () => {
  // The owner books afresh for every case, more than a year's allowance of 8: the allowance is not what this file tests.
  t = await startTestPlatform({ ALLOWANCE_SESSIONS_PER_YEAR: '52' });
  app = await startSchedulingApp(t);
  const [ownerAsn, otherAsn] = await createAccounts(t, 'asn', 2, 'authz-asn');
  const [ownerCounselor, otherCounselor] = await createAccounts(t, 'counselor', 2, 'authz-counselor');
  const [admin] = await createAccounts(t, 'admin', 1, 'authz-admin');
  Object.assign(people, { owner_asn: ownerAsn, other_asn: otherAsn, owner_counselor: ownerCounselor, other_counselor: otherCounselor, admin });
  for (const c of [ownerCounselor, otherCounselor]) {
    expect((await schedulingClient(app.url, c!.cookie).put('/availability', { weekly: allWeek, maxPerDay: 24 })).status).toBe(200);
  }
  const listed = await client('owner_asn').get<CounselorSlotsView>(`/counselors/${ownerCounselor!.id}/slots`);
  // Past the 24 h cut-off, so the owner's own changes are allowed.
  slots = (listed.body.data?.slots ?? []).map((s) => s.startsAt).filter((s) => Date.parse(s) > Date.now() + 30 * 3_600_000);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

interface Row {
  endpoint: string;
  actor: Actor;
  status: number;
  code?: string;
}

type Call = (actor: Actor) => Promise<{ status: number; body: { error?: { code: string } } }>;

const endpoints: Record<string, Call> = {
  'GET /counselors': (actor) => client(actor).get('/counselors'),
  'POST /counselors/search': (actor) => client(actor).post('/counselors/search', { language: 'id' }),
  'GET /counselors/:id/slots (owner counselor)': (actor) => client(actor).get(`/counselors/${people.owner_counselor.id}/slots`),
  'GET /availability': (actor) => client(actor).get('/availability'),
  'PUT /availability': (actor) => client(actor).put('/availability', { weekly: allWeek, maxPerDay: 24 }),
  'GET /bookings': (actor) => client(actor).get('/bookings'),
  'POST /bookings': (actor) => client(actor).post('/bookings', { counselorId: people.owner_counselor.id, startsAt: takeSlot() }),
  'POST /bookings/:id/reschedule': async (actor) => client(actor).post(`/bookings/${(await freshBooking()).id}/reschedule`, { startsAt: takeSlot() }),
  'POST /bookings/:id/cancel': async (actor) =>
    client(actor).post(`/bookings/${(await freshBooking()).id}/cancel`, actor.endsWith('counselor') ? { reason: 'scheduling_error' } : {}),
};

const matrix: Record<string, Record<Actor, number | [number, string]>> = {
  'GET /counselors': { anonymous: 401, owner_asn: 200, other_asn: 200, owner_counselor: 403, other_counselor: 403, admin: 403 },
  'POST /counselors/search': { anonymous: 401, owner_asn: 200, other_asn: 200, owner_counselor: 403, other_counselor: 403, admin: 403 },
  'GET /counselors/:id/slots (owner counselor)': { anonymous: 401, owner_asn: 200, other_asn: 200, owner_counselor: 200, other_counselor: 403, admin: 403 },
  'GET /availability': { anonymous: 401, owner_asn: 403, other_asn: 403, owner_counselor: 200, other_counselor: 200, admin: 403 },
  'PUT /availability': { anonymous: 401, owner_asn: 403, other_asn: 403, owner_counselor: 200, other_counselor: 200, admin: 403 },
  'GET /bookings': { anonymous: 401, owner_asn: 200, other_asn: 200, owner_counselor: 200, other_counselor: 200, admin: 403 },
  'POST /bookings': { anonymous: 401, owner_asn: 201, other_asn: 201, owner_counselor: 403, other_counselor: 403, admin: 403 },
  // Someone else's booking does not exist for you (404 reveals nothing); a counselor never reschedules.
  'POST /bookings/:id/reschedule': { anonymous: 401, owner_asn: 200, other_asn: [404, 'not_found'], owner_counselor: 403, other_counselor: 403, admin: 403 },
  'POST /bookings/:id/cancel': { anonymous: 401, owner_asn: 200, other_asn: [404, 'not_found'], owner_counselor: 200, other_counselor: [404, 'not_found'], admin: 403 },
};

const codeFor: Record<number, string> = { 401: 'unauthenticated', 403: 'forbidden' };
const rows: Row[] = Object.entries(matrix).flatMap(([endpoint, byActor]) =>
  Object.entries(byActor).map(([actor, expected]) => {
    const [status, code] = Array.isArray(expected) ? expected : [expected, codeFor[expected]];
    return { endpoint, actor: actor as Actor, status, ...(code ? { code } : {}) };
  }),
);

describe('who may call what (role × endpoint)', () => {
  it.each(rows)('$endpoint as $actor → $status', async ({ endpoint, actor, status, code }) => {
    const answer = await endpoints[endpoint]!(actor);
    expect(answer.status).toBe(status);
    if (code) expect(answer.body.error?.code).toBe(code);
  });
});

describe('who sees what', () => {
  it('an ASN sees only their own bookings; a counselor only their own calendar, with the people in it', async () => {
    const booking = await freshBooking();
    const ids = async (actor: Actor) => ((await client(actor).get<BookingView[]>('/bookings')).body.data ?? []).map((b) => b.id);
    expect(await ids('owner_asn')).toContain(booking.id);
    expect(await ids('owner_counselor')).toContain(booking.id);
    expect(await ids('other_asn')).not.toContain(booking.id);
    expect(await ids('other_counselor')).not.toContain(booking.id);

    const asCounselor = (await client('owner_counselor').get<BookingView[]>('/bookings')).body.data ?? [];
    expect(asCounselor.every((b) => b.counselor.id === people.owner_counselor.id)).toBe(true);
    expect(asCounselor.find((b) => b.id === booking.id)?.client.displayName).toBe(people.owner_asn.displayName);
    const asAsn = (await client('owner_asn').get<BookingView[]>('/bookings')).body.data ?? [];
    expect(asAsn.every((b) => b.client.id === people.owner_asn.id)).toBe(true);
    const asOther = (await client('other_asn').get<BookingView[]>('/bookings')).body.data ?? [];
    expect(asOther.every((b) => b.client.id === people.other_asn.id)).toBe(true);
    expect(JSON.stringify(asOther)).not.toContain(people.owner_asn.displayName);
  });

  it('a counselor cannot cancel another counselor’s booking even with a valid reason, and it stays booked', async () => {
    const booking = await freshBooking();
    const answer = await client('other_counselor').post(`/bookings/${booking.id}/cancel`, { reason: 'counselor_unwell' });
    expect(answer.status).toBe(404);
    expect(await t.platform.db.appointments.exists({ _id: booking.id })).not.toBeNull();
  });
});
