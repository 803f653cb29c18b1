import type { AvailabilityView, BookingView, CounselorSlotsView, CounselorSummary } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, startSchedulingApp, type SchedulingApp, type SchedulingClient, type TestAccount } from './scheduling-app.js';

const HOUR = 3_600_000;

let t: TestPlatform;
let app: SchedulingApp;
let counselor: TestAccount;
let asn: TestAccount;
let rival: TestAccount;
let asCounselor: SchedulingClient;
let asAsn: SchedulingClient;
let asRival: SchedulingClient;

beforeAll(async () => {
  t = await startTestPlatform();
  app = await startSchedulingApp(t);
  [counselor] = (await createAccounts(t, 'counselor', 1, 'lifecycle-counselor')) as [TestAccount];
  [asn, rival] = (await createAccounts(t, 'asn', 2, 'lifecycle-asn')) as [TestAccount, TestAccount];
  asCounselor = schedulingClient(app.url, counselor.cookie);
  asAsn = schedulingClient(app.url, asn.cookie);
  asRival = schedulingClient(app.url, rival.cookie);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

async function freeSlots(): Promise<string[]> {
  const answer = await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  expect(answer.status).toBe(200);
  return answer.body.data?.slots.map((s) => s.startsAt) ?? [];
}

/** Free slots at least `hours` from now. */
async function slotsAfter(hours: number): Promise<string[]> {
  return (await freeSlots()).filter((s) => Date.parse(s) >= Date.now() + hours * HOUR);
}

async function book(client: SchedulingClient, startsAt: string) {
  return client.post<BookingView>('/bookings', { counselorId: counselor.id, startsAt });
}

const live = (id: string) => t.platform.db.appointments.findById(id).lean();
const cancelledCopy = (id: string) => t.platform.db.connection.collection('cancelled_appointments').findOne({ _id: new Types.ObjectId(id) });

describe('availability', () => {
  it('shows a counselor the defaults before they set anything', async () => {
    const answer = await asCounselor.get<AvailabilityView>('/availability');
    expect(answer.status).toBe(200);
    expect(answer.body.data).toMatchObject({
      counselorId: counselor.id,
      timeZone: 'Asia/Jakarta',
      weekly: [],
      sessionMinutes: 50,
      bufferMinutes: 10,
      minNoticeHours: 12,
      horizonDays: 30,
      updatedAt: null,
    });
    expect((await freeSlots()).length).toBe(0);
  });

  it('saves and replaces it, in the counselor’s own zone (WIT)', async () => {
    const first = await asCounselor.put<AvailabilityView>('/availability', {
      timeZone: 'Asia/Jayapura',
      weekly: [{ weekday: 'mon', start: '09:00', end: '12:00' }],
    });
    expect(first.status).toBe(200);
    const second = await asCounselor.put<AvailabilityView>('/availability', { timeZone: 'Asia/Jayapura', weekly: allWeek, minNoticeHours: 0, maxPerDay: 24 });
    expect(second.body.data?.weekly).toHaveLength(7);
    expect((await asCounselor.get<AvailabilityView>('/availability')).body.data).toMatchObject({ timeZone: 'Asia/Jayapura', minNoticeHours: 0, maxPerDay: 24 });
    expect(await t.platform.db.connection.collection('availabilities').countDocuments({})).toBe(1);
    // Hourly grid on WIT: every slot starts on the hour, 50 minutes long.
    const slots = (await asAsn.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`)).body.data;
    expect(slots?.timeZone).toBe('Asia/Jayapura');
    for (const slot of slots?.slots ?? []) {
      expect(new Date(slot.startsAt).getUTCMinutes()).toBe(0);
      expect(Date.parse(slot.endsAt) - Date.parse(slot.startsAt)).toBe(50 * 60_000);
    }
  });

  it('lists counselors with their next free slots for an ASN', async () => {
    const answer = await asAsn.get<CounselorSummary[]>('/counselors');
    expect(answer.status).toBe(200);
    const me = answer.body.data?.find((c) => c.id === counselor.id);
    expect(me?.displayName).toBe(counselor.displayName);
    expect(me?.nextSlots).toHaveLength(3);
    expect(me?.timeZone).toBe('Asia/Jayapura');
    // The seeded demo counselor has set no availability: listed, nothing to book yet.
    expect(answer.body.data?.find((c) => c.displayName === 'Dewi Konselor')?.nextSlots).toEqual([]);
  });
});

describe('booking, rescheduling and cancelling', () => {
  it('books a slot: an appointment the session layer knows, visible to both, and the slot is gone', async () => {
    const [slot] = await slotsAfter(30);
    const booked = await book(asAsn, slot!);
    expect(booked.status).toBe(201);
    const view = booked.body.data!;
    expect(view).toMatchObject({ startsAt: slot, status: 'booked', counselor: { id: counselor.id }, client: { id: asn.id, displayName: asn.displayName } });
    expect(view.changeableUntil).toBe(new Date(Date.parse(slot!) - 24 * HOUR).toISOString());
    expect(await freeSlots()).not.toContain(slot);

    // The live session layer reads it unchanged.
    const appointment = await fetch(`${t.url}/api/appointments/${view.id}`, { headers: { cookie: asn.cookie } });
    expect(appointment.status).toBe(200);
    expect(((await appointment.json()) as { data: { status: string; startsAt: string } }).data).toMatchObject({ status: 'booked', startsAt: slot });
    expect((await live(view.id))?.roomId).toMatch(/^[0-9a-f-]{36}$/);

    expect((await asCounselor.get<BookingView[]>('/bookings')).body.data?.map((b) => [b.id, b.client.displayName])).toContainEqual([view.id, asn.displayName]);
    expect((await asAsn.get<BookingView[]>('/bookings')).body.data?.map((b) => b.id)).toEqual([view.id]);
  });

  it('reschedules: the new slot is booked, the old one released and kept as "rescheduled"', async () => {
    const [mine] = (await asAsn.get<BookingView[]>('/bookings')).body.data!;
    const target = (await slotsAfter(50))[2]!;
    const moved = await asAsn.post<BookingView>(`/bookings/${mine!.id}/reschedule`, { startsAt: target });
    expect(moved.status).toBe(200);
    const now = moved.body.data!;
    expect(now.id).not.toBe(mine!.id);
    expect(now.startsAt).toBe(target);
    expect(await live(mine!.id)).toBeNull();
    expect(await live(now.id)).not.toBeNull();
    expect(await cancelledCopy(mine!.id)).toMatchObject({ reason: 'rescheduled', cancelledBy: 'asn' });
    const slots = await freeSlots();
    expect(slots).toContain(mine!.startsAt);
    expect(slots).not.toContain(target);
    const list = (await asAsn.get<BookingView[]>('/bookings')).body.data!;
    expect(list.find((b) => b.id === mine!.id)).toMatchObject({ status: 'cancelled', cancelReason: 'rescheduled', rescheduledTo: now.id, changeableUntil: null });
    expect(list.filter((b) => b.status === 'booked').map((b) => b.id)).toEqual([now.id]);
  });

  it('a refused reschedule leaves the booking exactly as it was', async () => {
    const mine = (await asAsn.get<BookingView[]>('/bookings')).body.data!.find((b) => b.status === 'booked')!;
    const [rivalSlot] = await slotsAfter(60);
    expect((await book(asRival, rivalSlot!)).status).toBe(201);
    const before = await t.platform.db.appointments.countDocuments({});
    const refused = await asAsn.post(`/bookings/${mine.id}/reschedule`, { startsAt: rivalSlot });
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('slot_taken');
    expect(await live(mine.id)).toMatchObject({ status: 'booked' });
    expect(await t.platform.db.appointments.countDocuments({})).toBe(before);
    expect(await cancelledCopy(mine.id)).toBeNull();
    const same = await asAsn.post(`/bookings/${mine.id}/reschedule`, { startsAt: mine.startsAt });
    expect(same.status).toBe(400);
  });

  it('two tabs rescheduling the same booking at once: one wins, one is told, one booking remains', async () => {
    const mine = (await asAsn.get<BookingView[]>('/bookings')).body.data!.find((b) => b.status === 'booked')!;
    const [a, b] = (await slotsAfter(80)).slice(0, 2);
    const answers = await Promise.all([
      asAsn.post<BookingView>(`/bookings/${mine.id}/reschedule`, { startsAt: a }),
      asAsn.post<BookingView>(`/bookings/${mine.id}/reschedule`, { startsAt: b }),
    ]);
    expect(answers.map((x) => x.status).sort()).toEqual([200, 409]);
    expect(answers.find((x) => x.status === 409)?.body.error?.code).toBe('conflict');
    expect(await t.platform.db.appointments.countDocuments({ clientId: asn.id })).toBe(1);
  });

  it('an ASN cancels before the cut-off: the slot is free again and the session cannot be joined', async () => {
    const mine = (await asAsn.get<BookingView[]>('/bookings')).body.data!.find((b) => b.status === 'booked')!;
    const cancelled = await asAsn.post<BookingView>(`/bookings/${mine.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data).toMatchObject({ id: mine.id, status: 'cancelled', cancelledBy: 'asn', cancelReason: 'client_cancelled' });
    expect(await freeSlots()).toContain(mine.startsAt);
    expect(await live(mine.id)).toBeNull();
    expect((await fetch(`${t.url}/api/appointments/${mine.id}`, { headers: { cookie: asn.cookie } })).status).toBe(404);
    const again = await asAsn.post(`/bookings/${mine.id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('conflict');
    // The freed slot can be booked again by someone else.
    expect((await book(asRival, mine.startsAt)).status).toBe(201);
  });

  it('inside the cut-off the ASN can neither reschedule nor cancel; the counselor can cancel, with a reason code', async () => {
    const soon = (await freeSlots()).find((s) => Date.parse(s) > Date.now() + HOUR && Date.parse(s) < Date.now() + 20 * HOUR)!;
    const booked = (await book(asAsn, soon)).body.data!;
    const later = (await slotsAfter(100))[0];
    for (const attempt of [() => asAsn.post(`/bookings/${booked.id}/reschedule`, { startsAt: later }), () => asAsn.post(`/bookings/${booked.id}/cancel`, {})]) {
      const answer = await attempt();
      expect(answer.status).toBe(409);
      expect(answer.body.error?.code).toBe('past_cutoff');
      expect(answer.body.error?.message).toMatch(/24 hours/);
    }
    expect(await live(booked.id)).not.toBeNull();

    const noReason = await asCounselor.post(`/bookings/${booked.id}/cancel`, {});
    expect(noReason.status).toBe(400);
    expect(noReason.body.error?.issues?.[0]?.path).toBe('reason');
    const freeText = await asCounselor.post(`/bookings/${booked.id}/cancel`, { reason: 'I have a dentist appointment' });
    expect(freeText.status).toBe(400);
    const clientReason = await asAsn.post(`/bookings/${booked.id}/cancel`, { reason: 'counselor_unwell' });
    expect(clientReason.status).toBe(400);

    const byCounselor = await asCounselor.post<BookingView>(`/bookings/${booked.id}/cancel`, { reason: 'counselor_unwell' });
    expect(byCounselor.status).toBe(200);
    expect(byCounselor.body.data).toMatchObject({ status: 'cancelled', cancelledBy: 'counselor', cancelReason: 'counselor_unwell' });
    expect(await freeSlots()).toContain(soon);
    const seen = (await asAsn.get<BookingView[]>('/bookings')).body.data!.find((b) => b.id === booked.id);
    expect(seen).toMatchObject({ status: 'cancelled', cancelledBy: 'counselor', cancelReason: 'counselor_unwell' });
  });

  it('finishes a cancellation that stopped after its copy: the copy stands, the slot is freed', async () => {
    const [slot] = await slotsAfter(120);
    const booked = (await book(asAsn, slot!)).body.data!;
    // What a crash between the two writes leaves behind: a copy, and the original still live.
    const original = (await live(booked.id))!;
    await t.platform.db.connection.collection('cancelled_appointments').insertOne({
      _id: original._id,
      counselorId: original.counselorId,
      clientId: original.clientId,
      startsAt: original.startsAt,
      endsAt: original.endsAt,
      bookedAt: null,
      cancelledAt: new Date(),
      cancelledBy: 'asn',
      reason: 'client_cancelled',
      rescheduledTo: null,
    });
    expect(await freeSlots()).not.toContain(slot);
    const retried = await asAsn.post<BookingView>(`/bookings/${booked.id}/cancel`, {});
    expect(retried.status).toBe(200);
    expect(await live(booked.id)).toBeNull();
    expect(await t.platform.db.connection.collection('cancelled_appointments').countDocuments({ _id: original._id })).toBe(1);
    expect(await freeSlots()).toContain(slot);
  });

  it('stores metadata only, and logs ids, never names', async () => {
    const availability = await t.platform.db.connection.collection('availabilities').findOne({});
    const availabilityFields = [
      ...['__v', '_id', 'bufferMinutes', 'counselorId', 'createdAt', 'exceptions', 'horizonDays', 'maxPerDay', 'minNoticeHours', 'sessionMinutes', 'timeZone', 'updatedAt', 'weekly'],
      // The profile: codes from fixed lists (gender only as a counselor chose to state it, else null).
      ...['languages', 'specialities', 'gender'],
    ];
    expect(availabilityFields).toEqual(expect.arrayContaining(Object.keys(availability ?? {})));
    const seat = await t.platform.db.connection.collection('day_seats').findOne({});
    expect(Object.keys(seat ?? {}).sort()).toEqual(['__v', '_id', 'appointmentId', 'claimedAt', 'clientId', 'counselorId', 'localDate', 'seatNo', 'startsAt']);
    expect(Object.keys(availability?.weekly?.[0] ?? {}).sort()).toEqual(['end', 'start', 'weekday']);
    const copy = await t.platform.db.connection.collection('cancelled_appointments').findOne({ cancelledBy: 'counselor' });
    const copyFields = [
      ...['_id', '__v', 'bookedAt', 'cancelledAt', 'cancelledBy', 'clientId', 'counselorId', 'endsAt', 'reason', 'rescheduledTo', 'startsAt'],
      // The calendar event's identity (UID and SEQUENCE), for the CANCEL sent to calendars.
      ...['calendarUid', 'calendarSequence'],
    ];
    expect(copyFields).toEqual(expect.arrayContaining(Object.keys(copy ?? {})));
    const logs = t.logs.join('');
    expect(logs).toMatch(/"msg":"booked"/);
    for (const person of [counselor, asn, rival]) expect(logs).not.toContain(person.displayName);
  });
});
