import type { BookingView, CounselorSlotsView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, startSchedulingApp, type SchedulingApp, type TestAccount } from './scheduling-app.js';

const RACERS = 30;
const MAX_PER_DAY = 3;
const ZONE_OFFSET_MS = 7 * 3_600_000; // Asia/Jakarta, all year

let t: TestPlatform;
let app: SchedulingApp;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
  app = await startSchedulingApp(t);
});
afterAll(async () => {
  await app?.close();
  await t?.close();
});

const localDate = (iso: string) => new Date(Date.parse(iso) + ZONE_OFFSET_MS).toISOString().slice(0, 10);
const seats = () => t.platform.db.connection.collection('day_seats');

/** A counselor taking 30-minute sessions all day, every day (48 a day), at most `maxPerDay` of them; their free slots by local date. */
async function counselorWithDays(maxPerDay: number): Promise<{ counselor: TestAccount; days: Map<string, string[]> }> {
  const [counselor] = (await createAccounts(t, 'counselor', 1, 'daymax-counselor')) as [TestAccount];
  const saved = await schedulingClient(app.url, counselor.cookie).put('/availability', {
    timeZone: 'Asia/Jakarta',
    weekly: allWeek,
    sessionMinutes: 30,
    bufferMinutes: 0,
    maxPerDay,
    minNoticeHours: 1,
    horizonDays: 14,
  });
  expect(saved.status).toBe(200);
  const listed = await schedulingClient(app.url, counselor.cookie).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  const days = new Map<string, string[]>();
  for (const { startsAt } of listed.body.data?.slots ?? []) days.set(localDate(startsAt), [...(days.get(localDate(startsAt)) ?? []), startsAt]);
  return { counselor, days };
}

/** A whole day at least two days ahead (past the 24 h change cut-off), and the next one. */
function laterDays(days: Map<string, string[]>): [string[], string[]] {
  const whole = [...days.values()].filter((slots) => slots.length === 48);
  expect(whole.length).toBeGreaterThanOrEqual(4);
  return [whole[2]!, whole[3]!];
}

describe('the daily maximum, held by day seat claims (real FerretDB)', () => {
  it(`${RACERS} ASNs booking ${RACERS} different slots of one day at once, at most ${MAX_PER_DAY} a day: exactly ${MAX_PER_DAY} win, the rest day_full`, async () => {
    const { counselor, days } = await counselorWithDays(MAX_PER_DAY);
    const [day] = laterDays(days);
    const asns = await createAccounts(t, 'asn', RACERS, 'daymax-racer');
    const answers = await Promise.all(
      asns.map((asn, i) => schedulingClient(app.url, asn.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: day[i] })),
    );
    const wins = answers.filter((a) => a.status === 201);
    expect(wins).toHaveLength(MAX_PER_DAY);
    for (const loss of answers.filter((a) => a.status !== 201)) {
      expect(loss.status).toBe(409);
      expect(loss.body.error?.code).toBe('day_full');
      expect(loss.body.error?.message).toMatch(/at most 3 sessions/);
    }
    expect(await t.platform.db.appointments.countDocuments({ counselorId: counselor.id })).toBe(MAX_PER_DAY);
    const held = await seats().find({ counselorId: new Types.ObjectId(counselor.id) }).toArray();
    expect(held.map((s) => s.seatNo as number).sort()).toEqual([1, 2, 3]);
    expect(new Set(held.map((s) => String(s.appointmentId)))).toEqual(new Set(wins.map((w) => w.body.data?.id)));
  });

  it(`${RACERS} ASNs booking one slot of an open day at once: one seat is claimed for it, the others are told slot_taken (not day_full)`, async () => {
    const { counselor, days } = await counselorWithDays(24);
    const [day] = laterDays(days);
    const asns = await createAccounts(t, 'asn', RACERS, 'daymax-one-slot');
    const answers = await Promise.all(
      asns.map((asn) => schedulingClient(app.url, asn.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: day[0] })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409 && a.body.error?.code === 'slot_taken')).toHaveLength(RACERS - 1);
    // Claims pick seat numbers at random, but a start holds one seat at most: the losers left none behind.
    const held = await seats().find({ counselorId: new Types.ObjectId(counselor.id) }).toArray();
    expect(held).toHaveLength(1);
    expect(held[0]?.startsAt).toEqual(new Date(day[0]!));
    // The other 23 seats of the day are still there to be had.
    expect((await schedulingClient(app.url, asns[1]!.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: day[1] })).status).toBe(201);
  });

  it('cancelling gives the seat back; a move within the full day keeps its seat; a move to another day frees it', async () => {
    const { counselor, days } = await counselorWithDays(2);
    const [day, nextDay] = laterDays(days);
    const [a, b, c] = (await createAccounts(t, 'asn', 3, 'daymax-change')) as [TestAccount, TestAccount, TestAccount];
    const as = (who: TestAccount) => schedulingClient(app.url, who.cookie);
    const book = (who: TestAccount, startsAt: string) => as(who).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt });

    const first = await book(a, day[0]!);
    const second = await book(b, day[1]!);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect((await book(c, day[2]!)).body.error?.code).toBe('day_full');

    // Within the full day: the booking moves and keeps its seat.
    const moved = await as(a).post<BookingView>(`/bookings/${first.body.data?.id}/reschedule`, { startsAt: day[5] });
    expect(moved.status).toBe(200);
    const seatsOfDay = () => seats().find({ counselorId: new Types.ObjectId(counselor.id), localDate: localDate(day[0]!) }).toArray();
    expect((await seatsOfDay()).map((s) => String(s.appointmentId)).sort()).toEqual([moved.body.data?.id, second.body.data?.id].sort());
    expect((await book(c, day[2]!)).body.error?.code).toBe('day_full');

    // To another day: the seat on this one is given back.
    const away = await as(a).post<BookingView>(`/bookings/${moved.body.data?.id}/reschedule`, { startsAt: nextDay[0] });
    expect(away.status).toBe(200);
    expect(await seatsOfDay()).toHaveLength(1);
    const third = await book(c, day[2]!);
    expect(third.status).toBe(201);

    // Cancelling gives a seat back too.
    expect((await as(b).post(`/bookings/${second.body.data?.id}/cancel`)).status).toBe(200);
    expect((await seatsOfDay()).map((s) => String(s.appointmentId))).toEqual([third.body.data?.id]);
    expect((await book(b, day[3]!)).status).toBe(201);
    expect(await seats().countDocuments({ counselorId: new Types.ObjectId(counselor.id) })).toBe(
      await t.platform.db.appointments.countDocuments({ counselorId: counselor.id }),
    );
  });

  it('a seat left by a request that died (no appointment, claimed long ago) is reclaimed; a fresh one is not', async () => {
    const { counselor, days } = await counselorWithDays(1);
    const [day] = laterDays(days);
    const [asn] = (await createAccounts(t, 'asn', 1, 'daymax-orphan')) as [TestAccount];
    const orphan = {
      counselorId: new Types.ObjectId(counselor.id),
      localDate: localDate(day[0]!),
      seatNo: 1,
      appointmentId: new Types.ObjectId(),
      clientId: new Types.ObjectId(),
      startsAt: new Date(day[0]!),
    };
    await seats().insertOne({ ...orphan, claimedAt: new Date(Date.now() - 10 * 60_000) });
    const booked = await schedulingClient(app.url, asn.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: day[4] });
    expect(booked.status).toBe(201);
    expect(await seats().countDocuments({ appointmentId: orphan.appointmentId })).toBe(0);

    // Another day, held by a claim made just now whose booking may still be written: the day stays full.
    const [, other] = laterDays(days);
    const fresh = { ...orphan, localDate: localDate(other[0]!), appointmentId: new Types.ObjectId(), startsAt: new Date(other[0]!), claimedAt: new Date() };
    await seats().insertOne(fresh);
    const refused = await schedulingClient(app.url, asn.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: other[4] });
    expect(refused.body.error?.code).toBe('day_full');
    expect(await seats().countDocuments({ appointmentId: fresh.appointmentId })).toBe(1);
  });
});
