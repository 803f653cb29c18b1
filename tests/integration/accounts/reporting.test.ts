import { randomUUID } from 'node:crypto';
import { demoAccounts } from '@care/server';
import type { ReportView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, connect, enterRoomTogether, login, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { apiClient } from './accounts-app.js';

let t: TestPlatform;
let counselor: TestAccount;
let clients: TestAccount[];
const cookies: Record<'admin' | 'asn' | 'counselor', string> = { admin: '', asn: '', counselor: '' };

// January 2026 in WIB (UTC+7): the n-th hour of the month.
const jan = (hour: number) => new Date(Date.UTC(2026, 0, 1, hour) - 7 * 3_600_000);

beforeAll(async () => {
  t = await startTestPlatform();
  counselor = (await createAccounts(t, 'counselor', 1, 'report-counselor'))[0]!;
  clients = await createAccounts(t, 'asn', 3, 'report-asn');
  await t.platform.db.users.updateOne({ _id: clients[0]!.id }, { $set: { agencyUnit: 'AAA' } });
  await t.platform.db.users.updateOne({ _id: clients[1]!.id }, { $set: { agencyUnit: 'BBB' } });
  // clients[2] has no unit.
  let hour = 10;
  const appointment = (clientId: string, status: 'booked' | 'completed') => {
    hour += 2;
    return { counselorId: counselor!.id, clientId, startsAt: jan(hour), endsAt: jan(hour + 1), roomId: randomUUID(), status };
  };
  const aaa = clients[0]!.id;
  const bbb = clients[1]!.id;
  const docs = [
    ...Array.from({ length: 6 }, () => appointment(aaa, 'completed')),
    ...Array.from({ length: 2 }, () => appointment(aaa, 'booked')), // never joined: no-shows
    ...Array.from({ length: 3 }, () => appointment(bbb, 'booked')), // joined: held
    appointment(clients[2]!.id, 'completed'),
  ];
  const inserted = await t.platform.db.appointments.insertMany(docs);
  await t.platform.db.connection.collection('attendance').insertMany(
    inserted.slice(8, 11).map((a) => ({ appointmentId: a._id, role: 'asn', joinedAt: a.startsAt })),
  );
  await t.platform.db.connection.collection('cancelled_appointments').insertMany(
    Array.from({ length: 5 }, (_, i) => ({
      _id: new Types.ObjectId(),
      counselorId: new Types.ObjectId(counselor!.id),
      clientId: new Types.ObjectId(aaa),
      startsAt: jan(200 + i),
      endsAt: jan(201 + i),
      cancelledAt: jan(100),
      cancelledBy: 'asn',
      reason: 'client_cancelled',
      rescheduledTo: null,
    })),
  );
  await t.platform.db.connection.collection('availabilities').insertOne({
    counselorId: new Types.ObjectId(counselor!.id),
    timeZone: 'Asia/Jakarta',
    weekly: [{ weekday: 'mon', start: '09:00', end: '17:00' }],
    exceptions: [],
    sessionMinutes: 50,
    bufferMinutes: 10,
    maxPerDay: 8,
    minNoticeHours: 0,
    horizonDays: 30,
  });
  cookies.admin = await login(t.url, demoAccounts[2].email, demoAccounts[2].password);
  cookies.asn = await login(t.url, demoAccounts[1].email, demoAccounts[1].password);
  cookies.counselor = await login(t.url, demoAccounts[0].email, demoAccounts[0].password);
});
afterAll(() => t.close());

describe('employer-blind report', () => {
  it('counts by month and unit, and never lets a count of 1–4 leave the server', async () => {
    const answer = await apiClient(t.url, cookies.admin).get<ReportView>('/admin/reports?from=2026-01&to=2026-02');
    expect(answer.status).toBe(200);
    const report = answer.body.data!;
    expect(report.rows).toEqual([
      { month: '2026-01', agencyUnit: 'AAA', sessionsHeld: 6, noShows: '<5', cancellations: 5, circleAttendance: 0 },
      { month: '2026-01', agencyUnit: 'BBB', sessionsHeld: '<5', noShows: 0, cancellations: 0, circleAttendance: 0 },
      { month: '2026-01', agencyUnit: '—', sessionsHeld: '<5', noShows: 0, cancellations: 0, circleAttendance: 0 },
    ]);
    // A total would give a suppressed cell back: withheld. Cancellations have none suppressed.
    expect(report.totals).toEqual([
      { month: '2026-01', sessionsHeld: null, noShows: null, cancellations: 5, circleAttendance: 0 },
      { month: '2026-02', sessionsHeld: 0, noShows: 0, cancellations: 0, circleAttendance: 0 },
    ]);
    // Four Mondays in January 2026 (5, 12, 19, 26) × 8 h = 1920 available minutes; 12 one-hour bookings = 720.
    expect(report.utilisation[0]).toEqual({ month: '2026-01', utilisation: 0.375, counselors: '<5' });
    const raw = JSON.stringify(report);
    for (const person of [counselor, ...clients]) expect(raw).not.toContain(person.id);
  });

  it('is admin-only: ASN and counselor 403, nobody 401; a bad range 400', async () => {
    const query = '/admin/reports?from=2026-01&to=2026-01';
    expect((await apiClient(t.url, cookies.asn).get(query)).status).toBe(403);
    expect((await apiClient(t.url, cookies.counselor).get(query)).status).toBe(403);
    expect((await apiClient(t.url).get(query)).status).toBe(401);
    expect((await apiClient(t.url, cookies.admin).get(query)).status).toBe(200);
    const backwards = await apiClient(t.url, cookies.admin).get('/admin/reports?from=2026-03&to=2026-01');
    expect(backwards.status).toBe(400);
    expect((await apiClient(t.url, cookies.admin).get('/admin/reports?from=2026-13&to=2026-14')).status).toBe(400);
  });

  it('keeps the admin out of who booked whom: scheduling and appointments stay 403', async () => {
    expect((await apiClient(t.url, cookies.admin).get('/scheduling/bookings')).status).toBe(403);
    expect((await apiClient(t.url, cookies.admin).get('/appointments')).status).toBe(403);
  });

  it('records the first join of each side of a session, once, as metadata only', async () => {
    const pair = await enterRoomTogether(t);
    try {
      const records = await t.platform.db.connection.collection('attendance').find({ appointmentId: new Types.ObjectId(pair.appointmentId) }).toArray();
      expect(records.map((r) => r.role).sort()).toEqual(['asn', 'counselor']);
      expect(Object.keys(records[0]!).filter((k) => k !== '__v').sort()).toEqual(['_id', 'appointmentId', 'joinedAt', 'role']);
    } finally {
      pair.host.close();
      pair.client.close();
    }
  });

  it('counts circle attendance by the meeting’s month and the attendee’s unit, suppressed like the rest, facilitators left out', async () => {
    // March and April 2026 (WIB): one claim per person and meeting, as the room writes them.
    const at = (month: number, day: number) => new Date(Date.UTC(2026, month - 1, day, 3));
    const visit = (userId: string, role: 'asn' | 'counselor', meetingStartsAt: Date) => ({
      meetingId: new Types.ObjectId(),
      userId: new Types.ObjectId(userId),
      role,
      meetingStartsAt,
      joinedAt: meetingStartsAt,
    });
    const [aaa, bbb, none] = clients.map((c) => c.id) as [string, string, string];
    await t.platform.db.connection.collection('circle_attendance').insertMany([
      ...Array.from({ length: 5 }, (_, i) => visit(aaa, 'asn', at(3, 2 + i))),
      ...Array.from({ length: 2 }, (_, i) => visit(bbb, 'asn', at(3, 10 + i))),
      visit(counselor.id, 'counselor', at(3, 2)),
      ...Array.from({ length: 5 }, (_, i) => visit(aaa, 'asn', at(4, 2 + i))),
      ...Array.from({ length: 6 }, (_, i) => visit(bbb, 'asn', at(4, 10 + i))),
      ...Array.from({ length: 5 }, (_, i) => visit(none, 'asn', at(4, 20 + i))),
    ]);
    const report = (await apiClient(t.url, cookies.admin).get<ReportView>('/admin/reports?from=2026-03&to=2026-04')).body.data!;
    const zero = { sessionsHeld: 0, noShows: 0, cancellations: 0 };
    expect(report.rows).toEqual([
      { month: '2026-03', agencyUnit: 'AAA', ...zero, circleAttendance: 5 },
      { month: '2026-03', agencyUnit: 'BBB', ...zero, circleAttendance: '<5' },
      { month: '2026-04', agencyUnit: 'AAA', ...zero, circleAttendance: 5 },
      { month: '2026-04', agencyUnit: 'BBB', ...zero, circleAttendance: 6 },
      { month: '2026-04', agencyUnit: '—', ...zero, circleAttendance: 5 },
    ]);
    // March's total would give BBB's 2 back: withheld. April's cells are all exact.
    expect(report.totals).toEqual([
      { month: '2026-03', ...zero, circleAttendance: null },
      { month: '2026-04', ...zero, circleAttendance: 16 },
    ]);
  });

  it('records the first join of a circle meeting per person, once, as metadata only; the facilitator’s too, not the topic', async () => {
    const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({});
    const meetingId = String(meeting?._id);
    const facilitator = await connect(t.url, cookies.counselor);
    const member = await connect(t.url, cookies.asn);
    try {
      expect(await ask(facilitator, 'room:join', { sessionId: meetingId })).toMatchObject({ ok: true });
      expect(await ask(member, 'lobby:knock', { sessionId: meetingId })).toMatchObject({ ok: true });
      expect(await ask(facilitator, 'lobby:admit-all', { sessionId: meetingId })).toMatchObject({ ok: true });
      expect(await ask(member, 'room:join', { sessionId: meetingId })).toMatchObject({ ok: true });
      // A rejoin changes nothing.
      expect(await ask(member, 'room:leave', {})).toMatchObject({ ok: true });
      expect(await ask(member, 'room:join', { sessionId: meetingId })).toMatchObject({ ok: true });
      const records = await t.platform.db.connection.collection('circle_attendance').find({ meetingId: new Types.ObjectId(meetingId) }).toArray();
      expect(records.map((r) => r.role).sort()).toEqual(['asn', 'counselor']);
      expect(Object.keys(records[0]!).filter((k) => k !== '__v').sort()).toEqual(['_id', 'joinedAt', 'meetingId', 'meetingStartsAt', 'role', 'userId']);
      expect(records.every((r) => (r.meetingStartsAt as Date).getTime() === (meeting?.startsAt as Date).getTime())).toBe(true);
    } finally {
      facilitator.close();
      member.close();
    }
  });
});
