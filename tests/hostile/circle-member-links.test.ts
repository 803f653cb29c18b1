import { demoAccounts } from '@care/server';
import type { ReportView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiClient } from '../integration/accounts/accounts-app.js';
import { circlesClient, createCircle } from '../integration/circles/circles-client.js';
import { createAccounts, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { ask, connect, login, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * When a circle ends — its last meeting over, or cancelled — the links
 * between its members and it go: seats, the waiting list, attendance claims,
 * message claims. The counts the report needs stay. Run for real on two
 * nodes that both retire ended circles on every pass of their reminder loop,
 * racing; and from the state a node leaves when it crashes half-way.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let offset = 0;
const clock = () => new Date(Date.now() + offset);
let a: TestPlatform;
let b: TestPlatform;
let facilitator: TestAccount;
let members: TestAccount[];
let others: TestAccount[];
const sockets: TestSocket[] = [];

const db = () => a.platform.db.connection;
const oid = (id: string) => new Types.ObjectId(id);
const as = (account: TestAccount) => circlesClient(a.url, account);

async function socketOf(account: TestAccount): Promise<TestSocket> {
  const socket = await connect(a.url, account.cookie);
  sockets.push(socket);
  return socket;
}

/** Every document that ties a person to this circle, by collection. */
async function links(circleId: string): Promise<Record<string, number>> {
  const meetingIds = (await db().collection('circle_meetings').find({ circleId: oid(circleId) }).toArray()).map((m) => m._id);
  return {
    seats: await db().collection('circle_seats').countDocuments({ circleId: oid(circleId) }),
    waitlist: await db().collection('circle_waitlist').countDocuments({ circleId: oid(circleId) }),
    attendance: await db().collection('circle_attendance').countDocuments({ meetingId: { $in: meetingIds } }),
    messages: await db().collection('deliveries').countDocuments({ appointmentId: { $in: [oid(circleId), ...meetingIds] } }),
  };
}

/** The facilitator opens the meeting, these members knock, are let in and join: each first join is an attendance claim. */
async function meet(circleId: string, who: TestAccount[]): Promise<void> {
  const meeting = await db().collection('circle_meetings').findOne({ circleId: oid(circleId) });
  const sessionId = String(meeting?._id);
  const host = await socketOf(facilitator);
  expect(await ask(host, 'room:join', { sessionId })).toMatchObject({ ok: true });
  const joined: TestSocket[] = [];
  for (const member of who) {
    const socket = await socketOf(member);
    expect(await ask(socket, 'lobby:knock', { sessionId })).toMatchObject({ ok: true });
    joined.push(socket);
  }
  expect(await ask(host, 'lobby:admit-all', { sessionId })).toMatchObject({ ok: true });
  for (const socket of joined) expect(await ask(socket, 'room:join', { sessionId })).toMatchObject({ ok: true });
}

/** Both nodes' reminder loops, twice each at once, then once more each: what two nodes do on every tick. */
async function racePasses(): Promise<void> {
  const schedulers = [a, b].map((node) => node.platform.notifications.scheduler);
  await Promise.all(schedulers.flatMap((s) => [s.tick(), s.tick()]));
  for (const s of schedulers) await s.tick();
}

const thisMonth = () => {
  const wib = new Date(Date.now() + 7 * HOUR);
  return `${wib.getUTCFullYear()}-${String(wib.getUTCMonth() + 1).padStart(2, '0')}`;
};

beforeAll(async () => {
  // Loops that only run when the test calls them; one clock for reminders, retirement and the report.
  a = await startTestPlatform({ REMINDER_INTERVAL_MS: '600000' }, { reminderClock: clock, reportClock: clock });
  b = await startTestPlatform({ MONGODB_DB: a.dbName, REMINDER_INTERVAL_MS: '600000' }, { reminderClock: clock, reportClock: clock });
  [facilitator] = (await createAccounts(a, 'counselor', 1, 'links-facilitator')) as [TestAccount];
  members = await createAccounts(a, 'asn', 12, 'links-member');
  others = await createAccounts(a, 'asn', 3, 'links-other');
  // Twelve people of one unit: it stands alone in the report, so their count shows exactly.
  await a.platform.db.users.updateMany({ _id: { $in: members.map((m) => oid(m.id)) } }, { $set: { agencyUnit: 'LINKS' } });
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await b?.close();
  await a?.close();
});

describe('a circle’s member links are deleted when it ends; its counts are kept', () => {
  const circles: Record<'ended' | 'cancelled' | 'crashed', string> = { ended: '', cancelled: '', crashed: '' };

  it('while circles live, they hold seats, a line, attendance and message claims, and people see their place', { timeout: 120_000 }, async () => {
    const soon = new Date(Date.now() + 5 * MINUTE).toISOString();
    const ended = await createCircle(a.url, facilitator, { capacity: 12, firstStartsAt: soon, durationMinutes: 30 });
    for (const person of [...members, others[0]!]) expect((await as(person).post(`/${ended.id}/enrol`)).status).toBe(200);
    await meet(ended.id, members);

    const cancelled = await createCircle(a.url, facilitator, { capacity: 2 });
    for (const person of [others[1]!, others[2]!, members[0]!]) expect((await as(person).post(`/${cancelled.id}/enrol`)).status).toBe(200);
    expect((await as(facilitator).post(`/${cancelled.id}/cancel`)).status).toBe(200);

    const crashed = await createCircle(a.url, facilitator, { capacity: 2, firstStartsAt: soon, durationMinutes: 30 });
    for (const person of [members[1]!, members[2]!]) expect((await as(person).post(`/${crashed.id}/enrol`)).status).toBe(200);
    await meet(crashed.id, [members[1]!, members[2]!]);
    expect((await as(facilitator).post(`/${crashed.id}/cancel`)).status).toBe(200);
    await a.platform.notifications.circles.idle();
    Object.assign(circles, { ended: ended.id, cancelled: cancelled.id, crashed: crashed.id });

    expect(await links(ended.id)).toEqual({ seats: 12, waitlist: 1, attendance: 13, messages: expect.any(Number) });
    expect((await links(ended.id)).messages).toBeGreaterThan(0);
    expect(await links(cancelled.id)).toMatchObject({ seats: 2, waitlist: 1 });
    expect((await as(members[3]!).get<Array<{ id: string }>>('/mine')).body.data?.map((c) => c.id)).toContain(ended.id);
    expect((await as(facilitator).get<{ members: unknown[] }>(`/${ended.id}/members`)).body.data?.members).toHaveLength(12);
  });

  it('the report counts the attendance while the claims are there', async () => {
    offset = 40 * 24 * HOUR; // the month has closed
    const admin = apiClient(a.url, await login(a.url, demoAccounts[2].email, demoAccounts[2].password));
    const report = (await admin.get<ReportView>(`/admin/reports?from=${thisMonth()}&to=${thisMonth()}`)).body.data!;
    // Twelve in the circle that ends, two in the one that is cancelled after its meeting.
    expect(report.rows.find((r) => r.agencyUnit === 'LINKS')?.circleAttendance).toBe(14);
    offset = 0;
  });

  it('a node that crashed after counting left the counts and the links: the next pass deletes the links and does not count again', async () => {
    const meetingIds = (await db().collection('circle_meetings').find({ circleId: oid(circles.crashed) }).toArray()).map((m) => m._id);
    const countedAt = new Date(Date.now() - 10 * MINUTE);
    await db().collection('circle_retirements').insertOne({
      circleId: oid(circles.crashed),
      meetingIds,
      attendance: [{ month: thisMonth(), agencyUnit: 'LINKS', count: 2 }],
      seats: [{ month: thisMonth(), seats: 2 }],
      firstMonth: thisMonth(),
      lastMonth: thisMonth(),
      countedAt,
      linksDeletedAt: null,
    });
    // ...and had deleted the seats when it stopped.
    await db().collection('circle_seats').deleteMany({ circleId: oid(circles.crashed) });
    expect((await links(circles.crashed)).attendance).toBe(3);

    offset = 2 * HOUR; // every circle ended more than an hour ago
    await racePasses();
    const retirement = await db().collection('circle_retirements').find({ circleId: oid(circles.crashed) }).toArray();
    expect(retirement).toHaveLength(1);
    expect(retirement[0]?.countedAt).toEqual(countedAt);
    expect(retirement[0]?.linksDeletedAt).toBeInstanceOf(Date);
    expect(await links(circles.crashed)).toEqual({ seats: 0, waitlist: 0, attendance: 0, messages: 0 });
  });

  it('two nodes racing retire each ended circle once: no link left, each count once', async () => {
    for (const circleId of [circles.ended, circles.cancelled]) {
      expect([circleId, await links(circleId)]).toEqual([circleId, { seats: 0, waitlist: 0, attendance: 0, messages: 0 }]);
      const retirements = await db().collection('circle_retirements').find({ circleId: oid(circleId) }).toArray();
      expect(retirements).toHaveLength(1);
      expect((await db().collection('circles').findOne({ _id: oid(circleId) }))?.retiredAt).toBeInstanceOf(Date);
    }
    const ended = await db().collection('circle_retirements').findOne({ circleId: oid(circles.ended) });
    // Twelve members once each (the facilitator is not counted), in twelve seats; no person anywhere in it.
    expect(ended?.attendance).toEqual([{ month: thisMonth(), agencyUnit: 'LINKS', count: 12 }]);
    expect(ended?.seats).toEqual([{ month: thisMonth(), seats: 12 }]);
    const kept = JSON.stringify(ended);
    for (const person of [facilitator, ...members, ...others]) expect(kept).not.toContain(person.id);
    // The cancelled circle's meeting never took place: nothing to count, links gone all the same.
    expect((await db().collection('circle_retirements').findOne({ circleId: oid(circles.cancelled) }))?.attendance).toEqual([]);
    // Nobody sees a place in a circle that has ended; its facilitator sees no members.
    expect((await as(members[3]!).get<Array<{ id: string }>>('/mine')).body.data?.map((c) => c.id)).not.toContain(circles.ended);
    expect((await as(facilitator).get<{ members: unknown[] }>(`/${circles.ended}/members`)).body.data?.members).toEqual([]);
  });

  it('the report still counts the attendance, from the counts kept', async () => {
    offset = 40 * 24 * HOUR;
    const admin = apiClient(a.url, await login(a.url, demoAccounts[2].email, demoAccounts[2].password));
    const report = (await admin.get<ReportView>(`/admin/reports?from=${thisMonth()}&to=${thisMonth()}`)).body.data!;
    expect(report.rows.find((r) => r.agencyUnit === 'LINKS')?.circleAttendance).toBe(14);
    offset = 0;
  });
});
