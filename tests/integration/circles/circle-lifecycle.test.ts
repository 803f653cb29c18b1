import type { CircleCounts, CircleView, EnrolResult, FacilitatedCircleView, LeaveResult } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../../support/test-platform.js';
import { circlesClient, createAccounts, createCircle, type TestAccount } from './circles-client.js';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;

let t: TestPlatform;
let facilitator: TestAccount;
let admin: TestAccount;
let people: TestAccount[];
const sockets: TestSocket[] = [];

beforeAll(async () => {
  t = await startTestPlatform();
  [facilitator] = (await createAccounts(t, 'counselor', 1, 'life-facilitator')) as [TestAccount];
  [admin] = (await createAccounts(t, 'admin', 1, 'life-admin')) as [TestAccount];
  people = await createAccounts(t, 'asn', 6, 'life-asn');
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await t?.close();
});

const as = (account: TestAccount) => circlesClient(t.url, account);
const meetings = () => t.platform.db.connection.collection('circle_meetings');

async function socketOf(account: TestAccount): Promise<TestSocket> {
  const socket = await connect(t.url, account.cookie);
  sockets.push(socket);
  return socket;
}

async function mineIn(account: TestAccount, circleId: string): Promise<CircleView['mine'] | undefined> {
  return (await as(account).get<CircleView[]>('/mine')).body.data?.find((c) => c.id === circleId)?.mine;
}

describe('creating a circle', () => {
  it('a weekly circle gets its meetings at the same WITA wall-clock time, each with its own room id', async () => {
    // 19:00 WITA, three days ahead.
    const day = new Date(Date.now() + 3 * 24 * HOUR).toISOString().slice(0, 10);
    const firstStartsAt = `${day}T19:00:00+08:00`;
    const circle = await createCircle(t.url, facilitator, {
      topic: '  Kelelahan kerja  ',
      firstStartsAt,
      timeZone: 'Asia/Makassar',
      recurrence: 'weekly',
      occurrences: 4,
      durationMinutes: 90,
    });
    expect(circle).toMatchObject({
      topic: 'Kelelahan kerja',
      timeZone: 'Asia/Makassar',
      recurrence: 'weekly',
      capacity: 12,
      pseudonymous: true,
      status: 'active',
      seatsLeft: 12,
      meetingCount: 4,
      members: [],
      waitlistCount: 0,
      mine: null,
      facilitator: { id: facilitator.id, displayName: facilitator.displayName },
    });
    const first = Date.parse(firstStartsAt);
    expect(circle.meetings.map((m) => [m.seq, Date.parse(m.startsAt) - first, Date.parse(m.endsAt) - Date.parse(m.startsAt)])).toEqual(
      [0, 1, 2, 3].map((i) => [i, i * WEEK, 90 * 60_000]),
    );
    const stored = await meetings().find({ circleId: new Types.ObjectId(circle.id) }).toArray();
    expect(stored).toHaveLength(4);
    const roomIds = stored.map((m) => m.roomId as string);
    for (const roomId of roomIds) expect(roomId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(roomIds).size).toBe(4);
    // The ids the web links to are the meeting documents the session layer reads.
    expect(stored.map((m) => m._id.toString()).sort()).toEqual(circle.meetings.map((m) => m.id).sort());
  });

  it('takes the counselor’s own zone and the defaults when left out', async () => {
    const circle = await createCircle(t.url, facilitator);
    expect(circle).toMatchObject({ timeZone: 'Asia/Jakarta', recurrence: 'once', durationMinutes: 60, capacity: 12, pseudonymous: true, meetingCount: 1 });
  });
});

describe('enrolment, the waitlist and leaving', () => {
  it('an ASN sees an open circle with counts and their own status only', async () => {
    const circle = await createCircle(t.url, facilitator, { topic: 'Duka dan kehilangan', capacity: 3, pseudonymous: false });
    const [a] = people as [TestAccount];
    const before = (await as(a).get<CircleView[]>('/')).body.data!.find((c) => c.id === circle.id)!;
    expect(before).toMatchObject({ seatsLeft: 3, waitlistLength: 0, mine: null, pseudonymous: false, facilitator: { displayName: facilitator.displayName } });
    expect(before).not.toHaveProperty('members');
    const enrolled = await as(a).post<EnrolResult>(`/${circle.id}/enrol`);
    expect(enrolled.body.data).toEqual({ status: 'enrolled', seatNo: 1, pseudonym: null });
    const after = (await as(people[1]!).get<CircleView[]>('/')).body.data!.find((c) => c.id === circle.id)!;
    expect(after).toMatchObject({ seatsTaken: 1, seatsLeft: 2, mine: null });
    expect(JSON.stringify(after)).not.toContain(a.displayName);
  });

  it('a freed seat goes to the first in line, in order, across several leaves; the person promoted is told live', async () => {
    const circle = await createCircle(t.url, facilitator, { capacity: 2 });
    const [a, b, c, d, e] = people as [TestAccount, TestAccount, TestAccount, TestAccount, TestAccount];
    for (const person of [a, b, c, d, e]) expect((await as(person).post(`/${circle.id}/enrol`)).status).toBe(200);
    expect(await mineIn(a, circle.id)).toEqual({ status: 'enrolled', seatNo: 1, pseudonym: 'Melati' });
    expect(await mineIn(b, circle.id)).toEqual({ status: 'enrolled', seatNo: 2, pseudonym: 'Anggrek' });
    expect(await mineIn(c, circle.id)).toEqual({ status: 'waitlisted', position: 1 });
    expect(await mineIn(d, circle.id)).toEqual({ status: 'waitlisted', position: 2 });
    expect(await mineIn(e, circle.id)).toEqual({ status: 'waitlisted', position: 3 });

    const [cSocket, eSocket, facilitatorSocket] = await Promise.all([socketOf(c), socketOf(e), socketOf(facilitator)]);

    // A leaves: seat 1 goes to C, who is told.
    const cTold = nextEvent(cSocket, 'circle:changed');
    const facilitatorTold = nextEvent(facilitatorSocket, 'circle:changed');
    expect((await as(a).post<LeaveResult>(`/${circle.id}/leave`)).body.data).toEqual({ left: 'seat' });
    expect(await cTold).toEqual({ circleId: circle.id, change: 'promoted' });
    expect(await facilitatorTold).toEqual({ circleId: circle.id, change: 'left' });
    expect(await mineIn(c, circle.id)).toEqual({ status: 'enrolled', seatNo: 1, pseudonym: 'Melati' });
    expect(await mineIn(d, circle.id)).toEqual({ status: 'waitlisted', position: 1 });
    expect(await mineIn(e, circle.id)).toEqual({ status: 'waitlisted', position: 2 });
    expect(await mineIn(a, circle.id)).toBeUndefined();

    // D gives up their place in line: E moves up, no seat changes hands.
    expect((await as(d).post<LeaveResult>(`/${circle.id}/leave`)).body.data).toEqual({ left: 'waitlist' });
    expect(await mineIn(e, circle.id)).toEqual({ status: 'waitlisted', position: 1 });

    // B leaves: seat 2 goes to E.
    const eTold = nextEvent(eSocket, 'circle:changed');
    expect((await as(b).post<LeaveResult>(`/${circle.id}/leave`)).body.data).toEqual({ left: 'seat' });
    expect(await eTold).toEqual({ circleId: circle.id, change: 'promoted' });
    expect(await mineIn(e, circle.id)).toEqual({ status: 'enrolled', seatNo: 2, pseudonym: 'Anggrek' });

    // Leaving again changes nothing; A coming back waits in line (the circle is full).
    expect((await as(b).post<LeaveResult>(`/${circle.id}/leave`)).body.data).toEqual({ left: 'nothing' });
    expect((await as(a).post<EnrolResult>(`/${circle.id}/enrol`)).body.data).toEqual({ status: 'waitlisted', position: 1 });

    const view = (await as(facilitator).get<FacilitatedCircleView[]>('/')).body.data!.find((x) => x.id === circle.id)!;
    expect(view.members.map((m) => [m.seatNo, m.displayName, m.pseudonym])).toEqual([
      [1, c.displayName, 'Melati'],
      [2, e.displayName, 'Anggrek'],
    ]);
    expect(view.waitlistCount).toBe(1);
  });
});

describe('after an interrupted change', () => {
  it('a free seat goes to the person already waiting before anyone new, and a stale line entry never hides a seat', async () => {
    const circle = await createCircle(t.url, facilitator, { capacity: 2 });
    const circleId = new Types.ObjectId(circle.id);
    const [a, b, c] = people as [TestAccount, TestAccount, TestAccount];
    expect((await as(a).post<EnrolResult>(`/${circle.id}/enrol`)).body.data).toMatchObject({ status: 'enrolled', seatNo: 1 });
    // B waits although seat 2 is free, as after a promotion stopped before its seat insert.
    await t.platform.db.connection.collection('circle_waitlist').insertOne({ circleId, userId: new Types.ObjectId(b.id), createdAt: new Date(), updatedAt: new Date() });
    expect(await mineIn(b, circle.id)).toEqual({ status: 'waitlisted', position: 1 });

    // C arrives: B gets seat 2 first, C waits.
    expect((await as(c).post<EnrolResult>(`/${circle.id}/enrol`)).body.data).toEqual({ status: 'waitlisted', position: 1 });
    expect(await mineIn(b, circle.id)).toEqual({ status: 'enrolled', seatNo: 2, pseudonym: 'Anggrek' });

    // A seat and a line entry at once (a promotion stopped after its seat insert): the seat counts, and the entry goes on the next change.
    await t.platform.db.connection.collection('circle_waitlist').insertOne({ circleId, userId: new Types.ObjectId(b.id), createdAt: new Date(0), updatedAt: new Date(0) });
    expect(await mineIn(b, circle.id)).toEqual({ status: 'enrolled', seatNo: 2, pseudonym: 'Anggrek' });
    expect((await as(a).post<LeaveResult>(`/${circle.id}/leave`)).body.data).toEqual({ left: 'seat' });
    expect(await mineIn(c, circle.id)).toEqual({ status: 'enrolled', seatNo: 1, pseudonym: 'Melati' });
    expect(await t.platform.db.connection.collection('circle_waitlist').countDocuments({ circleId })).toBe(0);
  });
});

describe('closed circles', () => {
  it('cancelling calls off every meeting, tells the members and the line, and closes enrolment', async () => {
    const circle = await createCircle(t.url, facilitator, { capacity: 2, recurrence: 'weekly', occurrences: 3 });
    const [a, b, c, d] = people as [TestAccount, TestAccount, TestAccount, TestAccount];
    for (const person of [a, b, c]) expect((await as(person).post(`/${circle.id}/enrol`)).status).toBe(200);
    const [aSocket, cSocket] = await Promise.all([socketOf(a), socketOf(c)]);
    const aTold = nextEvent(aSocket, 'circle:changed');
    const cTold = nextEvent(cSocket, 'circle:changed');

    const cancelled = await as(facilitator).post<FacilitatedCircleView>(`/${circle.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data?.status).toBe('cancelled');
    expect(cancelled.body.data?.meetings.map((m) => m.status)).toEqual(['cancelled', 'cancelled', 'cancelled']);
    expect(await aTold).toEqual({ circleId: circle.id, change: 'cancelled' });
    expect(await cTold).toEqual({ circleId: circle.id, change: 'cancelled' });
    expect(await meetings().countDocuments({ circleId: new Types.ObjectId(circle.id), status: 'scheduled' })).toBe(0);

    const refused = await as(d).post(`/${circle.id}/enrol`);
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('circle_closed');
    const again = await as(facilitator).post(`/${circle.id}/cancel`);
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('circle_closed');
    // Gone from the list to join; still in the member's own list, marked cancelled.
    expect((await as(d).get<CircleView[]>('/')).body.data?.some((x) => x.id === circle.id)).toBe(false);
    expect((await as(a).get<CircleView[]>('/mine')).body.data?.find((x) => x.id === circle.id)?.status).toBe('cancelled');
  });

  it('a circle whose meetings are all over cannot be joined', async () => {
    const circle = await createCircle(t.url, facilitator);
    // Move its one meeting into the past, as time would.
    const past = new Date(Date.now() - 5 * HOUR);
    await meetings().updateOne(
      { circleId: new Types.ObjectId(circle.id) },
      { $set: { startsAt: past, endsAt: new Date(past.getTime() + HOUR) } },
    );
    const refused = await as(people[5]!).post(`/${circle.id}/enrol`);
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('circle_closed');
    expect(await t.platform.db.connection.collection('circle_seats').countDocuments({ circleId: new Types.ObjectId(circle.id) })).toBe(0);
  });

  it('an administrator sees counts of circles only, never of people', async () => {
    const before = (await as(admin).get<CircleCounts>('/counts')).body.data!;
    // A circle of two with a third person in line: one more circle, full, with a line.
    const small = await createCircle(t.url, facilitator, { capacity: 2 });
    for (const person of people.slice(0, 3)) expect((await as(person).post(`/${small.id}/enrol`)).status).toBe(200);
    const counts = await as(admin).get<CircleCounts>('/counts');
    expect(counts.status).toBe(200);
    expect(Object.keys(counts.body.data!).sort()).toEqual(['activeCircles', 'circlesWithWaitlist', 'fullCircles', 'upcomingMeetings']);
    expect(counts.body.data).toEqual({
      activeCircles: before.activeCircles + 1,
      upcomingMeetings: before.upcomingMeetings + 1,
      fullCircles: before.fullCircles + 1,
      circlesWithWaitlist: before.circlesWithWaitlist + 1,
    });
    expect(JSON.stringify(counts.body)).not.toMatch(/life-asn|life-facilitator/);
  });

  it('the logs carry ids only: no names, no topics', () => {
    const logs = t.logs.join('');
    expect(logs).toContain('circle created');
    for (const secret of ['Kelelahan kerja', 'Duka dan kehilangan', facilitator.displayName, ...people.map((p) => p.displayName)]) {
      expect(logs).not.toContain(secret);
    }
  });
});
