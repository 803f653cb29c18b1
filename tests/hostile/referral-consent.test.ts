import type { ReferralStaffView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccounts, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { counselorWithSlots, pastSession } from '../integration/programme/programme-app.js';
import { backdateDecisions, emailOf, feedbackClient, outboxOf, referralClient } from '../integration/programme/referral-app.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * The curious referrer (programme staff, or a supervisor through them)
 * wants more than the person allowed: whether they attended without
 * consent, what happened after they withdrew, whether an address has an
 * account at all, and who gave which rating. Real signed-in sessions call
 * the API as a patched app would; the database is read directly to check
 * what is kept.
 */

let t: TestPlatform;
let staff: TestAccount;
let counselor: TestAccount;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
  [staff] = (await createAccounts(t, 'admin', 1, 'hr-staff')) as [TestAccount];
  ({ counselor } = await counselorWithSlots(t, 'hr-counselor'));
});
afterAll(async () => {
  await t?.close();
});

async function refer(email: string): Promise<{ status: number; body: unknown; view: ReferralStaffView }> {
  const answer = await referralClient(t, staff).post<ReferralStaffView>('/', { email, reason: 'wellbeing', referringUnit: 'BKD' });
  return { status: answer.status, body: answer.body, view: answer.body.data! };
}
const staffList = async () => (await referralClient(t, staff).get<ReferralStaffView[]>('/')).body.data!;
const staffSees = async (id: string) => (await staffList()).find((r) => r.id === id);

describe('referral consent under attack', () => {
  it('staff cannot see attendance the person did not allow, by any route', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'hr-noconsent')) as [TestAccount];
    const { view } = await refer(await emailOf(t, asn));
    expect((await referralClient(t, asn).post(`/${view.id}/accept`, { reportAttendance: false })).status).toBe(200);
    await backdateDecisions(t, view.id, 3);
    await pastSession(t, counselor, asn, 1);
    expect(await staffSees(view.id)).toEqual({ ...view, state: 'accepted', attended: null });
    // The person's own routes answer staff nothing.
    expect((await referralClient(t, staff).get('/mine')).status).toBe(403);
    expect((await referralClient(t, staff).post(`/${view.id}/attendance-consent`, { consent: true })).status).toBe(403);
    // Nor do query tricks on the list.
    for (const path of ['/?attended=1', `/?id=${view.id}`, '/?asnId[$ne]=x', `/${view.id}`]) {
      expect([path, [400, 404].includes((await referralClient(t, staff).get(path)).status)]).toEqual([path, true]);
    }
    expect(JSON.stringify(await staffList())).not.toContain(asn.id);
  });

  it('after withdrawal nothing new flows: a later session changes nothing staff see, and nothing more can be recorded', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'hr-withdrawn')) as [TestAccount];
    const { view } = await refer(await emailOf(t, asn));
    await referralClient(t, asn).post(`/${view.id}/accept`, { reportAttendance: true });
    await backdateDecisions(t, view.id, 5);
    await pastSession(t, counselor, asn, 4);
    expect((await staffSees(view.id))?.attended).toBe(true);
    expect((await referralClient(t, asn).post(`/${view.id}/withdraw`)).status).toBe(200);
    const after = await staffSees(view.id);
    expect(after).toEqual({ ...view, state: 'withdrawn', attended: null });
    await pastSession(t, counselor, asn, 1);
    expect(await staffSees(view.id)).toEqual(after);
    // A patched app replaying earlier decisions: refused, nothing written.
    for (const [path, body] of [
      ['accept', { reportAttendance: true }],
      ['attendance-consent', { consent: true }],
    ] as const) {
      expect((await referralClient(t, asn).post(`/${view.id}/${path}`, body)).status).toBe(409);
    }
    expect(await staffSees(view.id)).toEqual(after);
    expect(await t.platform.db.connection.collection('referral_decisions').countDocuments({ referralId: new Types.ObjectId(view.id) })).toBe(2);
  });

  it('the staff answer never tells whether an address has an account (ASN, unknown, counselor, deactivated): same status, same shape, same state', async () => {
    const [asn, deactivated] = (await createAccounts(t, 'asn', 2, 'hr-enum')) as [TestAccount, TestAccount];
    await t.platform.db.users.updateOne({ _id: deactivated.id }, { $set: { active: false } });
    const [other] = (await createAccounts(t, 'counselor', 1, 'hr-enum-c')) as [TestAccount];
    const addresses = [await emailOf(t, asn), 'no-such-person@example.go.id', await emailOf(t, other), await emailOf(t, deactivated)];
    const answers = await Promise.all(addresses.map(refer));
    const normalise = (a: Awaited<ReturnType<typeof refer>>) => ({ ...a, body: JSON.stringify(a.body).replace(a.view.id, 'ID').replace(a.view.email, 'EMAIL').replace(a.view.referredAt, 'AT') });
    const [first, ...rest] = answers.map(normalise);
    for (const answer of rest) {
      expect(answer.status).toBe(first!.status);
      expect(answer.body).toBe(first!.body);
    }
    const listed = (await staffList()).filter((r) => answers.some((a) => a.view.id === r.id));
    expect(listed.map((r) => [r.state, r.attended])).toEqual(addresses.map(() => ['invited', null]));
    // The invitation goes to the ASN only (the others' outboxes stay empty).
    expect(await outboxOf(t, asn, 1)).toHaveLength(1);
    expect(await outboxOf(t, other)).toHaveLength(0);
    expect(await outboxOf(t, deactivated)).toHaveLength(0);
  });

  it('a rating carries no account id, no session id and no time; its claim carries no rating', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'hr-rating')) as [TestAccount];
    const startsAt = new Date(Date.now() - 86_400_000);
    const appointment = await t.platform.db.appointments.create({
      counselorId: counselor.id,
      clientId: asn.id,
      startsAt,
      endsAt: new Date(startsAt.getTime() + 30 * 60_000),
      roomId: `hr-rating-${asn.id}`,
      status: 'completed',
    });
    const feedback = t.platform.db.connection.collection('session_feedback');
    const before = new Set((await feedback.find({}).toArray()).map((d) => String(d._id)));
    expect((await feedbackClient(t, asn).post('/', { appointmentId: String(appointment._id), rating: 3, chips: ['too_short'] })).status).toBe(201);
    const added = (await feedback.find({}).toArray()).filter((d) => !before.has(String(d._id)));
    expect(added).toHaveLength(1);
    const [rating] = added;
    expect(Object.keys(rating!).filter((key) => key !== '__v').sort()).toEqual(['_id', 'chips', 'month', 'rating']);
    // Not an ObjectId: its id carries no time of writing.
    expect(rating!._id).not.toBeInstanceOf(Types.ObjectId);
    expect(String(rating!._id)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rating!.month).toMatch(/^\d{4}-\d{2}$/);
    const text = JSON.stringify(rating);
    for (const id of [asn.id, counselor.id, String(appointment._id)]) expect(text).not.toContain(id);
    const claim = await t.platform.db.connection.collection('feedback_claims').findOne({ appointmentId: appointment._id });
    expect(Object.keys(claim!).filter((key) => key !== '__v').sort()).toEqual(['_id', 'appointmentId']);
  });
});
