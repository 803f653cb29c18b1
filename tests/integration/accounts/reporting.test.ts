import { demoAccounts } from '@care/server';
import type { ReportView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportHistory } from '../../support/report-history.js';
import { ask, connect, enterRoomTogether, login, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { apiClient } from './accounts-app.js';

let t: TestPlatform;
let counselor: TestAccount;
let history: ReportHistory;
let aaa: string[];
let bbb: string[];
let small: string[];
let noUnit: string[];
const cookies: Record<'admin' | 'asn' | 'counselor', string> = { admin: '', asn: '', counselor: '' };

beforeAll(async () => {
  // k is 10 by default: counts 1..9 show as "<10", units of fewer than 10 people are merged.
  t = await startTestPlatform();
  counselor = (await createAccounts(t, 'counselor', 1, 'report-counselor'))[0]!;
  history = new ReportHistory(t, counselor.id);
  aaa = await history.clients('AAA', 10, 'report-aaa');
  bbb = await history.clients('BBB', 12, 'report-bbb');
  // Six and four people: too few to stand alone, ten together — "other" is large enough to show.
  small = await history.clients('CCC', 6, 'report-ccc');
  noUnit = await history.clients(null, 4, 'report-none');
  // A unit that only grows to 10 people in March: merged before, on its own after.
  const late = await history.clients('DDD', 10, 'report-ddd', new Date(Date.UTC(2026, 2, 10)));
  await history.availability();

  // January 2026: AAA 12 held, 2 missed, 10 cancelled; BBB 3 held; CCC and no unit 1 held each.
  await history.sessions('2026-01', aaa, { held: 12, noShows: 2, cancelled: 10 });
  await history.sessions('2026-01', bbb, { held: 3 });
  await history.sessions('2026-01', small, { held: 1 });
  await history.sessions('2026-01', noUnit, { held: 1 });
  // February: nothing small at all.
  await history.sessions('2026-02', aaa, { held: 10 });
  await history.sessions('2026-02', bbb, { held: 11, cancelled: 10 });
  // March: DDD has 5 held, but its people joined on the 10th: it stands alone from March on.
  await history.sessions('2026-02', late, { held: 4 });
  await history.sessions('2026-03', late, { held: 5 });
  await history.sessions('2026-03', aaa, { held: 5 });
  // November, the last month that has closed, and this month (still running).
  await history.sessions('2026-11', aaa, { held: 10 });

  cookies.admin = await login(t.url, demoAccounts[2].email, demoAccounts[2].password);
  cookies.asn = await login(t.url, demoAccounts[1].email, demoAccounts[1].password);
  cookies.counselor = await login(t.url, demoAccounts[0].email, demoAccounts[0].password);
});
afterAll(() => t.close());

const report = async (from: string, to: string) => {
  const answer = await apiClient(t.url, cookies.admin).get<ReportView>(`/admin/reports?from=${from}&to=${to}`);
  expect(answer.status).toBe(200);
  return answer.body.data!;
};
const zero = { sessionsHeld: 0, noShows: 0, cancellations: 0, circleAttendance: 0 };

describe('employer-blind report', () => {
  it('counts by month and unit, merges units of fewer than k people into "other", and never lets a count of 1..k−1 leave the server', async () => {
    const january = await report('2026-01', '2026-01');
    expect(january.minCount).toBe(10);
    expect(january.rows).toEqual([
      { ...zero, month: '2026-01', agencyUnit: 'AAA', sessionsHeld: 12, noShows: '<10', cancellations: 10 },
      { ...zero, month: '2026-01', agencyUnit: 'BBB', sessionsHeld: '<10' },
      // CCC (6 people) and the people without a unit (4) together.
      { ...zero, month: '2026-01', agencyUnit: 'other', sessionsHeld: '<10' },
    ]);
    // Held: 17 − 12 would leave the two hidden cells 5 together, so neither could be 9: withheld. No-shows: the
    // one small cell is the total, which says no more as "<10". Cancellations have none hidden.
    expect(january.totals).toEqual([{ month: '2026-01', sessionsHeld: null, noShows: '<10', cancellations: 10, circleAttendance: 0 }]);
    // Utilisation tells held + no-shows (19): with 12 shown, the three hidden cells (3, 2, 2) would be narrowed.
    expect(january.utilisation).toEqual([{ month: '2026-01', utilisation: null, counselors: 1 }]);
    const raw = JSON.stringify(january);
    for (const id of [counselor.id, ...aaa, ...bbb, ...small, ...noUnit]) expect(raw).not.toContain(id);
  });

  it('shows the utilisation and every total of a month without small counts', async () => {
    const february = await report('2026-02', '2026-02');
    // DDD had no one yet at the end of February: its 4 are in "other".
    expect(february.rows).toEqual([
      { ...zero, month: '2026-02', agencyUnit: 'AAA', sessionsHeld: 10 },
      { ...zero, month: '2026-02', agencyUnit: 'BBB', sessionsHeld: 11, cancellations: 10 },
      { ...zero, month: '2026-02', agencyUnit: 'other', sessionsHeld: '<10' },
    ]);
    expect(february.totals).toEqual([{ month: '2026-02', sessionsHeld: null, noShows: 0, cancellations: 10, circleAttendance: 0 }]);
    expect(february.utilisation[0]?.utilisation).toBeNull();
    const march = await report('2026-03', '2026-03');
    expect(march.rows).toEqual([
      { ...zero, month: '2026-03', agencyUnit: 'AAA', sessionsHeld: '<10' },
      { ...zero, month: '2026-03', agencyUnit: 'DDD', sessionsHeld: '<10' },
    ]);
    // 5 + 5 = 10: either could be anything from 1 to 9, so the total and the utilisation stand.
    expect(march.totals).toEqual([{ month: '2026-03', sessionsHeld: 10, noShows: 0, cancellations: 0, circleAttendance: 0 }]);
    // Five Mondays in March 2026 (2, 9, 16, 23, 30) × 8 h = 2400 minutes; 10 × 50 booked = 500.
    expect(march.utilisation).toEqual([{ month: '2026-03', utilisation: 0.208, counselors: 1 }]);
  });

  it('shows a month only once it has closed, and the same whatever range it is asked in', async () => {
    // This month in WIB, and the same month a year ago.
    const wib = new Date(Date.now() + 7 * 3_600_000);
    const thisMonth = `${wib.getUTCFullYear()}-${String(wib.getUTCMonth() + 1).padStart(2, '0')}`;
    const lastYearSameMonth = `${wib.getUTCFullYear() - 1}-${String(wib.getUTCMonth() + 1).padStart(2, '0')}`;
    const answer = await report(lastYearSameMonth, thisMonth);
    // This month, and on its first day the month before (it settles for a day).
    expect(answer.notYetClosed).toContain(thisMonth);
    expect(answer.notYetClosed.length).toBeLessThanOrEqual(2);
    expect(answer.months).not.toContain(thisMonth);
    expect(answer.rows.some((r) => r.month === thisMonth)).toBe(false);
    expect(answer.totals.map((r) => r.month)).toEqual(answer.months);
    // Every month's figures are the same in the long range as on their own.
    for (const month of ['2026-01', '2026-02', '2026-03']) {
      const alone = await report(month, month);
      expect(answer.rows.filter((r) => r.month === month)).toEqual(alone.rows);
      expect(answer.totals.filter((r) => r.month === month)).toEqual(alone.totals);
      expect(answer.utilisation.filter((r) => r.month === month)).toEqual(alone.utilisation);
    }
  });

  it('withholds the whole circle row of a month whose seats would cap a hidden cell', async () => {
    // May: two meetings of 20 seats, AAA 6 + 6 and BBB 1 + 1 — room enough: AAA 12, BBB hidden.
    await history.circle('2026-05', 20, [[...aaa.slice(0, 6), bbb[0]!], [...aaa.slice(0, 6), bbb[1]!]]);
    const may = await report('2026-05', '2026-05');
    expect(may.rows).toEqual([
      { ...zero, month: '2026-05', agencyUnit: 'AAA', circleAttendance: 12 },
      { ...zero, month: '2026-05', agencyUnit: 'BBB', circleAttendance: '<10' },
    ]);
    expect(may.totals[0]?.circleAttendance).toBeNull();
    // June: one meeting of 11 seats, all taken: 10 of AAA and 1 of BBB. 11 − 10 leaves BBB's one no other value.
    await history.circle('2026-06', 11, [[...aaa, bbb[0]!]]);
    const june = await report('2026-06', '2026-06');
    expect(june.rows).toEqual([
      { ...zero, month: '2026-06', agencyUnit: 'AAA', circleAttendance: null },
      { ...zero, month: '2026-06', agencyUnit: 'BBB', circleAttendance: null },
    ]);
    expect(june.totals[0]?.circleAttendance).toBeNull();
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
