import type { AllowanceView, BookingView, CaseloadView, MyCounselorView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { bookingClient, counselorWithSlots, pastSession, programmeClient, programmeYear } from './programme-app.js';

const PER_YEAR = 3;
let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info', ALLOWANCE_SESSIONS_PER_YEAR: String(PER_YEAR) });
});
afterAll(async () => {
  await t?.close();
});

const seats = () => t.platform.db.connection.collection('allowance_seats');
const book = (who: TestAccount, counselor: TestAccount, startsAt: string) =>
  bookingClient(t, who).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt });

describe('the session allowance (real FerretDB and Redis)', () => {
  it('is shown before booking, each booking holds a seat, the next past the allowance is allowance_used, a timely cancellation gives its seat back', async () => {
    const { counselor, slots } = await counselorWithSlots(t, 'allow-counselor');
    const [asn] = (await createAccounts(t, 'asn', 1, 'allow-asn')) as [TestAccount];
    const year = programmeYear(slots[0]!);
    const before = await programmeClient(t, asn).get<AllowanceView>('/allowance');
    expect(before.status).toBe(200);
    expect(before.body.data).toMatchObject({ perYear: PER_YEAR, granted: 0, total: PER_YEAR, used: 0, remaining: PER_YEAR });

    const booked: BookingView[] = [];
    for (const startsAt of slots.slice(0, PER_YEAR)) {
      const answer = await book(asn, counselor, startsAt);
      expect(answer.status).toBe(201);
      booked.push(answer.body.data!);
    }
    const held = await seats().find({ clientId: new Types.ObjectId(asn.id), year }).toArray();
    expect(held.map((s) => s.seatNo as number).sort()).toEqual([1, 2, 3]);
    expect(new Set(held.map((s) => String(s.appointmentId)))).toEqual(new Set(booked.map((b) => b.id)));

    const over = await book(asn, counselor, slots[PER_YEAR]!);
    expect(over.status).toBe(409);
    expect(over.body.error?.code).toBe('allowance_used');
    expect(over.body.error?.message).toMatch(/All 3 sessions/);
    // Nothing half-written: the refused booking left no day seat and no appointment.
    expect(await t.platform.db.appointments.countDocuments({ clientId: asn.id })).toBe(PER_YEAR);
    expect(await t.platform.db.connection.collection('day_seats').countDocuments({ clientId: new Types.ObjectId(asn.id) })).toBe(PER_YEAR);

    // A move within the year keeps its seat, even with the allowance used up.
    const moved = await bookingClient(t, asn).post<BookingView>(`/bookings/${booked[0]!.id}/reschedule`, { startsAt: slots[PER_YEAR + 1] });
    expect(moved.status).toBe(200);
    expect(await seats().countDocuments({ clientId: new Types.ObjectId(asn.id) })).toBe(PER_YEAR);
    expect(await seats().countDocuments({ appointmentId: new Types.ObjectId(moved.body.data!.id) })).toBe(1);

    // A cancellation before the cut-off is timely: its seat comes back and can be booked again.
    expect((await bookingClient(t, asn).post(`/bookings/${booked[1]!.id}/cancel`)).status).toBe(200);
    expect((await programmeClient(t, asn).get<AllowanceView>('/allowance')).body.data).toMatchObject({ used: PER_YEAR - 1, remaining: 1 });
    expect((await book(asn, counselor, slots[PER_YEAR]!)).status).toBe(201);
    // A counselor's cancellation gives it back too.
    expect((await bookingClient(t, counselor).post(`/bookings/${booked[2]!.id}/cancel`, { reason: 'counselor_unwell' })).status).toBe(200);
    expect((await programmeClient(t, asn).get<AllowanceView>('/allowance')).body.data?.used).toBe(PER_YEAR - 1);
  });

  it('20 bookings of 20 different slots by one ASN at once: exactly the allowance succeeds, the rest allowance_used, nothing left behind', async () => {
    const { counselor, slots } = await counselorWithSlots(t, 'allow-race-counselor');
    const [asn] = (await createAccounts(t, 'asn', 1, 'allow-race-asn')) as [TestAccount];
    const answers = await Promise.all(slots.slice(0, 20).map((startsAt) => book(asn, counselor, startsAt)));
    const wins = answers.filter((a) => a.status === 201);
    expect(wins).toHaveLength(PER_YEAR);
    for (const loss of answers.filter((a) => a.status !== 201)) {
      expect(loss.status).toBe(409);
      expect(loss.body.error?.code).toBe('allowance_used');
    }
    expect(await t.platform.db.appointments.countDocuments({ clientId: asn.id })).toBe(PER_YEAR);
    const held = await seats().find({ clientId: new Types.ObjectId(asn.id) }).toArray();
    expect(held.map((s) => s.seatNo as number).sort()).toEqual([1, 2, 3]);
    expect(new Set(held.map((s) => String(s.appointmentId)))).toEqual(new Set(wins.map((w) => w.body.data?.id)));
    expect(await t.platform.db.connection.collection('day_seats').countDocuments({ clientId: new Types.ObjectId(asn.id) })).toBe(PER_YEAR);
  });

  it('a booking that loses its slot gives its allowance seat back; a claim left by a request that died is reclaimed once stale', async () => {
    const { counselor, slots } = await counselorWithSlots(t, 'allow-loser-counselor');
    const racers = await createAccounts(t, 'asn', 10, 'allow-loser');
    const answers = await Promise.all(racers.map((asn) => book(asn, counselor, slots[0]!)));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.body.error?.code === 'slot_taken')).toHaveLength(9);
    expect(await seats().countDocuments({ clientId: { $in: racers.map((r) => new Types.ObjectId(r.id)) } })).toBe(1);

    // An orphan: every seat held by claims whose bookings never appeared, claimed two minutes ago.
    const [asn] = (await createAccounts(t, 'asn', 1, 'allow-orphan')) as [TestAccount];
    const year = programmeYear(slots[1]!);
    await seats().insertMany(
      Array.from({ length: PER_YEAR }, (_, i) => ({
        clientId: new Types.ObjectId(asn.id),
        year,
        seatNo: i + 1,
        appointmentId: new Types.ObjectId(),
        startsAt: new Date(slots[1]!),
        claimedAt: new Date(Date.now() - 120_000),
      })),
    );
    expect((await book(asn, counselor, slots[1]!)).status).toBe(201);
    expect(await seats().countDocuments({ clientId: new Types.ObjectId(asn.id) })).toBe(1);
  });

  it('the counselor grants more with a reason code, for a person on their caseload; the caseload shows sessions used; "my counselor" shows the allowance', async () => {
    const { counselor, slots } = await counselorWithSlots(t, 'allow-grant-counselor');
    const [asn] = (await createAccounts(t, 'asn', 1, 'allow-grant-asn')) as [TestAccount];
    await pastSession(t, counselor, asn);
    for (const startsAt of slots.slice(0, PER_YEAR)) expect((await book(asn, counselor, startsAt)).status).toBe(201);
    expect((await book(asn, counselor, slots[PER_YEAR]!)).body.error?.code).toBe('allowance_used');

    const granted = await programmeClient(t, counselor).post<AllowanceView>(`/caseload/${asn.id}/grants`, { reason: 'plan_in_progress', sessions: 2 });
    expect(granted.status).toBe(201);
    expect(granted.body.data).toMatchObject({ perYear: PER_YEAR, granted: 2, total: PER_YEAR + 2, used: PER_YEAR, remaining: 2 });
    expect((await book(asn, counselor, slots[PER_YEAR]!)).status).toBe(201);

    const grant = await t.platform.db.connection.collection('allowance_grants').findOne({ clientId: new Types.ObjectId(asn.id) });
    expect(Object.keys(grant ?? {}).sort()).toEqual(['__v', '_id', 'clientId', 'counselorId', 'grantNo', 'grantedAt', 'reason', 'sessions', 'year'].sort());
    expect(grant?.reason).toBe('plan_in_progress');

    const caseload = await programmeClient(t, counselor).get<CaseloadView>('/caseload');
    expect(caseload.status).toBe(200);
    const entry = caseload.body.data?.people.find((p) => p.clientId === asn.id);
    expect(entry).toMatchObject({ displayName: asn.displayName, sessionsUsed: PER_YEAR + 1, sessionsTotal: PER_YEAR + 2 });
    expect(entry?.nextSessionAt).toBe(slots[0]);
    expect(entry?.lastSessionAt).not.toBeNull();
    expect(Object.keys(entry ?? {}).sort()).toEqual(['clientId', 'displayName', 'lastSessionAt', 'nextSessionAt', 'sessionsTotal', 'sessionsUsed']);

    const mine = await programmeClient(t, asn).get<MyCounselorView>('/my-counselor');
    expect(mine.status).toBe(200);
    expect(mine.body.data?.counselor?.id).toBe(counselor.id);
    expect(mine.body.data?.counselor?.nextSlots.length).toBeGreaterThan(0);
    expect(mine.body.data?.nextSession?.startsAt).toBe(slots[0]);
    expect(mine.body.data?.allowance).toMatchObject({ total: PER_YEAR + 2, used: PER_YEAR + 1, remaining: 1 });

    // One step: a free time from "my counselor" books as it is.
    const again = await book(asn, counselor, mine.body.data!.counselor!.nextSlots.at(-1)!.startsAt);
    expect(again.status).toBe(201);
  });

  it('an ASN with no session yet has no counselor, and still sees the allowance', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'allow-new-asn')) as [TestAccount];
    const mine = await programmeClient(t, asn).get<MyCounselorView>('/my-counselor');
    expect(mine.status).toBe(200);
    expect(mine.body.data).toMatchObject({ counselor: null, lastSessionAt: null, nextSession: null, allowance: { used: 0, remaining: PER_YEAR } });
  });
});
