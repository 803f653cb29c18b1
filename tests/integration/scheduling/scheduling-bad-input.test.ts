import { calendarDateIn, type AvailabilityView, type CounselorSlotsView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, startSchedulingApp, type SchedulingApp, type SchedulingClient, type TestAccount } from './scheduling-app.js';

/*
 * Bad input gets a clear 4xx with a machine-readable code, and leaves
 * nothing behind: after every refused booking below, the counselor and the
 * ASN still hold no appointment at all.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let t: TestPlatform;
let app: SchedulingApp;
let counselor: TestAccount;
let idle: TestAccount;
let asn: TestAccount;
let asCounselor: SchedulingClient;
let asAsn: SchedulingClient;
let slots: string[];

beforeAll(async () => {
  t = await startTestPlatform();
  app = await startSchedulingApp(t);
  [counselor, idle] = (await createAccounts(t, 'counselor', 2, 'bad-input-counselor')) as [TestAccount, TestAccount];
  [asn] = (await createAccounts(t, 'asn', 1, 'bad-input-asn')) as [TestAccount];
  asCounselor = schedulingClient(app.url, counselor.cookie);
  asAsn = schedulingClient(app.url, asn.cookie);
  const saved = await asCounselor.put('/availability', { timeZone: 'Asia/Makassar', weekly: allWeek, minNoticeHours: 12, horizonDays: 30 });
  expect(saved.status).toBe(200);
  slots = ((await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`)).body.data?.slots ?? []).map((s) => s.startsAt);
  expect(slots.length).toBeGreaterThan(24);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

async function expectNothingWritten(): Promise<void> {
  expect(await t.platform.db.appointments.countDocuments({ counselorId: { $in: [counselor.id, idle.id] } })).toBe(0);
  expect(await t.platform.db.appointments.countDocuments({ clientId: asn.id })).toBe(0);
  expect(await t.platform.db.connection.collection('cancelled_appointments').countDocuments({})).toBe(0);
}

describe('availability that cannot be', () => {
  const savedBefore = async () => (await asCounselor.get<AvailabilityView>('/availability')).body.data;

  it.each([
    ['overlapping ranges', { weekly: [{ weekday: 'mon', start: '09:00', end: '12:00' }, { weekday: 'mon', start: '11:30', end: '13:00' }] }, 'weekly.1', /overlaps 09:00–12:00/],
    ['end before start', { weekly: [{ weekday: 'tue', start: '15:00', end: '09:00' }] }, 'weekly.0.end', /end must be after start/],
    ['end equal to start', { weekly: [{ weekday: 'tue', start: '09:00', end: '09:00' }] }, 'weekly.0.end', /end must be after start/],
    ['a time that is not HH:MM', { weekly: [{ weekday: 'tue', start: '9am', end: '12:00' }] }, 'weekly.0.start', /HH:MM/],
    ['25 o’clock', { weekly: [{ weekday: 'tue', start: '09:00', end: '25:00' }] }, 'weekly.0.end', /HH:MM/],
    ['an unknown weekday', { weekly: [{ weekday: 'funday', start: '09:00', end: '12:00' }] }, 'weekly.0.weekday', /./],
    ['a range too short for a session', { weekly: [{ weekday: 'tue', start: '09:00', end: '09:20' }] }, 'weekly.0', /shorter than one session/],
    ['a zone abbreviation instead of an IANA zone', { timeZone: 'WITA', weekly: allWeek }, 'timeZone', /IANA/],
    ['an impossible exception date', { weekly: allWeek, exceptions: ['2026-02-30'] }, 'exceptions.0', /real calendar date/],
    ['a free-text field', { weekly: allWeek, note: 'on leave because …' }, '', /note/],
    ['a fractional session length', { weekly: allWeek, sessionMinutes: 49.5 }, 'sessionMinutes', /int/i],
  ])('refuses %s with 400 invalid_payload naming the field, and keeps what was saved', async (_what, body, path, message) => {
    const before = await savedBefore();
    const answer = await asCounselor.put('/availability', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('invalid_payload');
    const issue = answer.body.error?.issues?.find((i) => i.path === path);
    expect(issue?.message).toMatch(message);
    expect(await savedBefore()).toEqual(before);
  });
});

describe('bookings that cannot be', () => {
  it.each([
    ['a slot in the past', () => new Date(Date.parse(slots[0]!) - 7 * DAY).toISOString(), 422, 'too_soon'],
    ['a slot inside the minimum notice', () => new Date(Date.parse(slots[0]!) - 2 * HOUR).toISOString(), 422, 'too_soon'],
    ['a start off the grid', () => new Date(Date.parse(slots[5]!) + 5 * 60_000).toISOString(), 422, 'outside_availability'],
    ['a slot past the horizon', () => new Date(Date.parse(slots[0]!) + 35 * DAY).toISOString(), 422, 'beyond_horizon'],
    ['a time without an offset', () => slots[5]!.replace('Z', '').replace('.000', ''), 400, 'invalid_payload'],
    ['not a time at all', () => 'next tuesday', 400, 'invalid_payload'],
  ])('refuses %s (%#)', async (_what, startsAt, status, code) => {
    const answer = await asAsn.post('/bookings', { counselorId: counselor.id, startsAt: startsAt() });
    expect(answer.status).toBe(status);
    expect(answer.body.error?.code).toBe(code);
    expect(answer.body.error?.message.length).toBeGreaterThan(10);
    await expectNothingWritten();
  });

  it('refuses unknown, malformed and non-counselor ids, and a counselor who has opened no times', async () => {
    const cases: Array<[unknown, number, string]> = [
      ['0123456789abcdef01234567', 404, 'not_found'],
      [asn.id, 404, 'not_found'],
      ['not-an-id', 400, 'invalid_payload'],
      [idle.id, 422, 'outside_availability'],
    ];
    for (const [counselorId, status, code] of cases) {
      const answer = await asAsn.post('/bookings', { counselorId, startsAt: slots[5] });
      expect([counselorId, answer.status, answer.body.error?.code]).toEqual([counselorId, status, code]);
    }
    const extra = await asAsn.post('/bookings', { counselorId: counselor.id, startsAt: slots[5], topic: 'anxiety' });
    expect(extra.status).toBe(400);
    expect(extra.body.error?.issues?.[0]?.message).toMatch(/topic/);
    const broken = await fetch(`${app.url}/api/scheduling/bookings`, { method: 'POST', headers: { cookie: asn.cookie, 'content-type': 'application/json' }, body: '{"counselorId":' });
    expect(broken.status).toBe(400);
    await expectNothingWritten();
  });

  it('refuses a slot on an exception date (leave, a public holiday)', async () => {
    const slot = slots[30]!;
    const holiday = calendarDateIn(new Date(slot), 'Asia/Makassar');
    expect((await asCounselor.put('/availability', { timeZone: 'Asia/Makassar', weekly: allWeek, exceptions: [holiday] })).status).toBe(200);
    const answer = await asAsn.post('/bookings', { counselorId: counselor.id, startsAt: slot });
    expect(answer.status).toBe(422);
    expect(answer.body.error?.code).toBe('outside_availability');
    const listed = (await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`)).body.data?.slots ?? [];
    expect(listed.filter((s) => calendarDateIn(new Date(s.startsAt), 'Asia/Makassar') === holiday)).toEqual([]);
    await expectNothingWritten();
    expect((await asCounselor.put('/availability', { timeZone: 'Asia/Makassar', weekly: allWeek })).status).toBe(200);
  });

  it('refuses unknown and malformed booking ids on reschedule and cancel', async () => {
    for (const action of ['reschedule', 'cancel']) {
      const body = action === 'reschedule' ? { startsAt: slots[5] } : {};
      const unknown = await asAsn.post(`/bookings/0123456789abcdef01234567/${action}`, body);
      expect([action, unknown.status, unknown.body.error?.code]).toEqual([action, 404, 'not_found']);
      const malformed = await asAsn.post(`/bookings/xyz/${action}`, body);
      expect([action, malformed.status, malformed.body.error?.code]).toEqual([action, 400, 'invalid_payload']);
    }
    await expectNothingWritten();
  });

  it('refuses bad slot queries', async () => {
    const cases: Array<[string, number, string]> = [
      [`/counselors/${counselor.id}/slots?from=yesterday`, 400, 'invalid_payload'],
      [`/counselors/${counselor.id}/slots?from=${encodeURIComponent(slots[5]!)}&to=${encodeURIComponent(slots[0]!)}`, 400, 'invalid_payload'],
      [`/counselors/${counselor.id}/slots?colour=blue`, 400, 'invalid_payload'],
      ['/counselors/0123456789abcdef01234567/slots', 404, 'not_found'],
      [`/counselors/${asn.id}/slots`, 404, 'not_found'],
    ];
    for (const [path, status, code] of cases) {
      const answer = await asAsn.get(path);
      expect([path, answer.status, answer.body.error?.code]).toEqual([path, status, code]);
    }
    // An offset in the query is read as that instant (encoded: a bare '+' would be a space).
    const wita = new Date(slots[3]!).toISOString().replace('Z', '+00:00');
    const ranged = await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots?from=${encodeURIComponent(wita)}&to=${encodeURIComponent(slots[5]!)}`);
    expect(ranged.body.data?.slots.map((s) => s.startsAt)).toEqual([slots[3], slots[4]]);
  });

  it('refuses a booking once the counselor’s day is full (day_full), leaving the one booking there is', async () => {
    // Two slots of one day in the counselor's zone, well after those the other tests use (which pair it is depends on the hour the test runs).
    const dayOf = (startsAt: string) => calendarDateIn(new Date(startsAt), 'Asia/Makassar');
    const at = slots.findIndex((startsAt, i) => i >= 24 && slots[i + 1] !== undefined && dayOf(startsAt) === dayOf(slots[i + 1]!));
    expect(at).toBeGreaterThanOrEqual(24);
    const [first, second] = [slots[at]!, slots[at + 1]!];
    expect((await asCounselor.put('/availability', { timeZone: 'Asia/Makassar', weekly: allWeek, maxPerDay: 1 })).status).toBe(200);
    const [other] = await createAccounts(t, 'asn', 1, 'bad-input-other');
    expect((await schedulingClient(app.url, other!.cookie).post('/bookings', { counselorId: counselor.id, startsAt: first })).status).toBe(201);
    const full = await asAsn.post('/bookings', { counselorId: counselor.id, startsAt: second });
    expect(full.status).toBe(409);
    expect(full.body.error?.code).toBe('day_full');
    expect(await t.platform.db.appointments.countDocuments({ counselorId: counselor.id })).toBe(1);
    expect(await t.platform.db.appointments.countDocuments({ clientId: asn.id })).toBe(0);
  });
});
