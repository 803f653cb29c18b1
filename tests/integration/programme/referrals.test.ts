import type { ReferralAsnView, ReferralStaffView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { counselorWithSlots, pastSession } from './programme-app.js';
import { backdateDecisions, emailOf, outboxOf, referralClient } from './referral-app.js';

let t: TestPlatform;
let staff: TestAccount;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
  [staff] = (await createAccounts(t, 'admin', 1, 'ref-staff')) as [TestAccount];
});
afterAll(async () => {
  await t?.close();
});

const referralsIn = (collection: string) => t.platform.db.connection.collection(collection);

async function referred(who: TestAccount, reason = 'wellbeing') {
  const created = await referralClient(t, staff).post<ReferralStaffView>('/', { email: await emailOf(t, who), reason, referringUnit: 'dinkes' });
  expect(created.status).toBe(201);
  return created.body.data!;
}

const staffSees = async (id: string) => (await referralClient(t, staff).get<ReferralStaffView[]>('/')).body.data!.find((r) => r.id === id);

describe('referral by management, with consent', () => {
  it('staff record a referral; the ASN gets a neutral invitation and sees the reason only in the app', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'ref-invited')) as [TestAccount];
    const referral = await referred(asn, 'performance');
    expect(referral).toEqual({
      id: expect.any(String),
      email: await emailOf(t, asn),
      reason: 'performance',
      referringUnit: 'DINKES',
      referredAt: expect.any(String),
      state: 'invited',
      attended: null,
    });
    const [mail] = await outboxOf(t, asn, 1);
    expect(mail?.subject).toBe('Undangan layanan CARE ASN / CARE ASN invitation');
    expect(mail?.text).toContain('sukarela');
    expect(mail?.text).toContain('voluntary');
    expect(mail?.text).toContain(`${t.platform.url}/rujukan`);
    // Neutral: neither the reason nor the unit is in the mail.
    for (const word of ['performance', 'kinerja', 'DINKES', 'conduct', 'wellbeing']) expect(mail?.text).not.toContain(word);
    const mine = await referralClient(t, asn).get<ReferralAsnView[]>('/mine');
    expect(mine.body.data).toEqual([
      { id: referral.id, reason: 'performance', referringUnit: 'DINKES', referredAt: referral.referredAt, answer: 'none', reportAttendance: false, history: [] },
    ]);
  });

  it('accepted with attendance consent, attended, consent withdrawn, then the referral withdrawn: staff follow each step, and only that', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'ref-flow')) as [TestAccount];
    const { counselor } = await counselorWithSlots(t, 'ref-flow-counselor');
    const { id } = await referred(asn);
    const asAsn = referralClient(t, asn);

    const accepted = await asAsn.post<ReferralAsnView>(`/${id}/accept`, { reportAttendance: true });
    expect(accepted.status).toBe(200);
    expect(accepted.body.data).toMatchObject({ answer: 'accepted', reportAttendance: true, history: [{ answer: 'accepted', reportAttendance: true, at: expect.any(String) }] });
    expect(await staffSees(id)).toMatchObject({ state: 'accepted', attended: false });

    // Taken up two days ago, then a session held yesterday (written as a past session's booking is): attended.
    await backdateDecisions(t, id, 2);
    await pastSession(t, counselor, asn, 1);
    expect(await staffSees(id)).toMatchObject({ state: 'accepted', attended: true });

    const noAttendance = await asAsn.post<ReferralAsnView>(`/${id}/attendance-consent`, { consent: false });
    expect(noAttendance.body.data).toMatchObject({ answer: 'accepted', reportAttendance: false });
    expect(await staffSees(id)).toMatchObject({ state: 'accepted', attended: null });

    const again = await asAsn.post<ReferralAsnView>(`/${id}/attendance-consent`, { consent: true });
    expect(again.body.data?.reportAttendance).toBe(true);
    expect(await staffSees(id)).toMatchObject({ state: 'accepted', attended: true });

    const withdrawn = await asAsn.post<ReferralAsnView>(`/${id}/withdraw`);
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.data?.answer).toBe('withdrawn');
    expect(withdrawn.body.data?.history.map((h) => [h.answer, h.reportAttendance])).toEqual([
      ['accepted', true],
      ['accepted', false],
      ['accepted', true],
      ['withdrawn', false],
    ]);
    expect(await staffSees(id)).toMatchObject({ state: 'withdrawn', attended: null });
    // Withdrawal is final: nothing more is recorded.
    for (const [path, body] of [
      ['accept', { reportAttendance: true }],
      ['attendance-consent', { consent: true }],
      ['withdraw', {}],
      ['decline', {}],
    ] as const) {
      const answer = await asAsn.post(`/${id}/${path}`, body);
      expect([path, answer.status, answer.body.error?.code]).toEqual([path, 409, 'conflict']);
    }
    expect(await referralsIn('referral_decisions').countDocuments({ referralId: new Types.ObjectId(id) })).toBe(4);
  });

  it('a decline is not told: staff still see "invited"; the person may still take it up later', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'ref-decline')) as [TestAccount];
    const { id } = await referred(asn, 'conduct');
    const declined = await referralClient(t, asn).post<ReferralAsnView>(`/${id}/decline`);
    expect(declined.body.data?.answer).toBe('declined');
    expect(await staffSees(id)).toMatchObject({ state: 'invited', attended: null });
    expect((await referralClient(t, asn).post(`/${id}/decline`)).status).toBe(409);
    const accepted = await referralClient(t, asn).post<ReferralAsnView>(`/${id}/accept`, { reportAttendance: false });
    expect(accepted.body.data).toMatchObject({ answer: 'accepted', reportAttendance: false });
    expect(await staffSees(id)).toMatchObject({ state: 'accepted', attended: null });
  });

  it('two decisions at once: each is numbered, neither is lost, and the rules hold (one acceptance)', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'ref-race')) as [TestAccount];
    const { id } = await referred(asn);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => referralClient(t, asn).post(`/${id}/accept`, { reportAttendance: i % 2 === 0 })));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(7);
    const decisions = await referralsIn('referral_decisions').find({ referralId: new Types.ObjectId(id) }).toArray();
    expect(decisions.map((d) => d.seq)).toEqual([1]);
  });

  it('bad input is refused with a typed 400 and nothing is written', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'ref-bad')) as [TestAccount];
    const email = await emailOf(t, asn);
    const before = await referralsIn('referrals').countDocuments();
    for (const body of [
      {},
      { email, reason: 'wellbeing' },
      { email, reason: 'his marriage is falling apart', referringUnit: 'DINKES' },
      { email, reason: 'wellbeing', referringUnit: 'DINKES', note: 'drinks at lunch' },
      { email: 'not-an-address', reason: 'wellbeing', referringUnit: 'DINKES' },
      { email: { $ne: null }, reason: 'wellbeing', referringUnit: 'DINKES' },
      { email, reason: 'wellbeing', referringUnit: 'no spaces allowed' },
      { email, reason: 'wellbeing', referringUnit: 'DIN\u0000KES' },
    ]) {
      const answer = await referralClient(t, staff).post('/', body);
      expect([body, answer.status, answer.body.error?.code]).toEqual([body, 400, 'invalid_payload']);
    }
    expect(await referralsIn('referrals').countDocuments()).toBe(before);
    const { id } = await referred(asn);
    for (const [path, body] of [
      ['accept', {}],
      ['accept', { reportAttendance: 'yes' }],
      ['accept', { reportAttendance: true, why: 'my boss' }],
      ['attendance-consent', { consent: 1 }],
      ['decline', { reason: 'none of their business' }],
      ['withdraw', { x: 1 }],
    ] as const) {
      const answer = await referralClient(t, asn).post(`/${id}/${path}`, body);
      expect([path, answer.status, answer.body.error?.code]).toEqual([path, 400, 'invalid_payload']);
    }
    expect((await referralClient(t, asn).post('/not-an-id/accept', { reportAttendance: true })).status).toBe(400);
    expect((await referralClient(t, staff).get('/?all=1')).status).toBe(400);
    expect(await referralsIn('referral_decisions').countDocuments({ referralId: new Types.ObjectId(id) })).toBe(0);
  });

  it('wrong roles: staff cannot answer for the person, an ASN or counselor cannot record or list, a stranger finds nothing', async () => {
    const [asn, stranger] = (await createAccounts(t, 'asn', 2, 'ref-roles')) as [TestAccount, TestAccount];
    const [counselor] = (await createAccounts(t, 'counselor', 1, 'ref-roles-c')) as [TestAccount];
    const { id } = await referred(asn);
    expect((await referralClient(t, staff).post(`/${id}/accept`, { reportAttendance: true })).status).toBe(403);
    expect((await referralClient(t, staff).get('/mine')).status).toBe(403);
    for (const who of [asn, counselor]) {
      expect((await referralClient(t, who).get('/')).status).toBe(403);
      expect((await referralClient(t, who).post('/', { email: await emailOf(t, stranger), reason: 'conduct', referringUnit: 'BKD' })).status).toBe(403);
    }
    expect((await referralClient(t, counselor).get('/mine')).status).toBe(403);
    expect((await referralClient(t, counselor).post(`/${id}/accept`, { reportAttendance: true })).status).toBe(403);
    const foreign = await referralClient(t, stranger).post(`/${id}/accept`, { reportAttendance: true });
    expect([foreign.status, foreign.body.error?.code]).toEqual([404, 'not_found']);
    expect((await referralClient(t, stranger).post(`/${new Types.ObjectId().toString()}/accept`, { reportAttendance: true })).status).toBe(404);
    expect((await referralClient(t, stranger).get<ReferralAsnView[]>('/mine')).body.data).toEqual([]);
    const anonymous = await fetch(`${t.url}/api/referrals`);
    expect(anonymous.status).toBe(401);
    expect(await referralsIn('referral_decisions').countDocuments({ referralId: new Types.ObjectId(id) })).toBe(0);
  });

  it('recording referral after referral is limited per staff member', async () => {
    const [busy] = (await createAccounts(t, 'admin', 1, 'ref-busy')) as [TestAccount];
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) {
      statuses.push((await referralClient(t, busy).post('/', { email: `nobody-${i}@example.go.id`, reason: 'wellbeing', referringUnit: 'BKD' })).status);
    }
    expect(statuses.slice(0, 30).every((s) => s === 201)).toBe(true);
    expect(statuses[30]).toBe(429);
  });
});
