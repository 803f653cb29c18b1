import type { AcceptProposalResult, BookingView, ProposalView, ProposeFollowUpResult } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { bookingClient, counselorWithSlots, pastSession, programmeClient } from './programme-app.js';

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await t?.close();
});

const WEEK = 7 * 86_400_000;

async function pair(prefix: string) {
  const { counselor, slots } = await counselorWithSlots(t, `${prefix}-counselor`);
  const [asn] = (await createAccounts(t, 'asn', 1, `${prefix}-asn`)) as [TestAccount];
  await pastSession(t, counselor, asn);
  return { counselor, asn, slots };
}

describe('follow-up proposals (real FerretDB and Redis)', () => {
  it('a counselor proposes a weekly series; the ASN accepts one week and declines another; the accepted one is an ordinary booking holding its seats', async () => {
    const { counselor, asn, slots } = await pair('fu-series');
    const proposed = await programmeClient(t, counselor).post<ProposeFollowUpResult>('/proposals', { clientId: asn.id, startsAt: slots[0], weeks: 3 });
    expect(proposed.status).toBe(201);
    const weeks = proposed.body.data!.proposals;
    // Every week at the same local time (WIB has no daylight saving: exactly 7 days apart), unless it lies past the horizon.
    expect(weeks.length + proposed.body.data!.skipped.length).toBe(3);
    for (const [i, p] of weeks.entries()) {
      expect(Date.parse(p.startsAt) - Date.parse(slots[0]!)).toBe(i * WEEK);
      expect(p).toMatchObject({ state: 'pending', week: i + 1, weeks: 3, counselor: { id: counselor.id }, client: { id: asn.id } });
    }
    for (const s of proposed.body.data!.skipped) expect(s.reason).toBe('beyond_horizon');

    const listed = await programmeClient(t, asn).get<ProposalView[]>('/proposals');
    expect(listed.body.data?.map((p) => p.id)).toEqual(weeks.map((p) => p.id));

    const accepted = await programmeClient(t, asn).post<AcceptProposalResult>(`/proposals/${weeks[0]!.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body.data?.proposal.state).toBe('accepted');
    expect(accepted.body.data?.allowance.used).toBe(1);
    const bookingId = accepted.body.data!.proposal.bookingId!;
    const booking = await t.platform.db.appointments.findById(bookingId).lean();
    expect(booking?.startsAt.toISOString()).toBe(slots[0]);
    expect(await t.platform.db.connection.collection('day_seats').countDocuments({ appointmentId: new Types.ObjectId(bookingId) })).toBe(1);
    expect(await t.platform.db.connection.collection('allowance_seats').countDocuments({ appointmentId: new Types.ObjectId(bookingId) })).toBe(1);
    // It is in both people's bookings, like any other.
    expect((await bookingClient(t, asn).get<BookingView[]>('/bookings')).body.data?.map((b) => b.id)).toContain(bookingId);

    if (weeks[1]) {
      const declined = await programmeClient(t, asn).post<ProposalView>(`/proposals/${weeks[1].id}/decline`);
      expect(declined.status).toBe(200);
      expect(declined.body.data?.state).toBe('declined');
      const again = await programmeClient(t, asn).post(`/proposals/${weeks[1].id}/accept`);
      expect(again.status).toBe(409);
      expect(again.body.error?.code).toBe('conflict');
    }
    const counselorView = await programmeClient(t, counselor).get<ProposalView[]>('/proposals');
    expect(counselorView.body.data?.find((p) => p.id === weeks[0]!.id)?.state).toBe('accepted');
  });

  it('the proposed slot booked by someone else before acceptance: a clear slot_taken, and the proposal is still open', async () => {
    const { counselor, asn, slots } = await pair('fu-taken');
    const proposed = await programmeClient(t, counselor).post<ProposeFollowUpResult>('/proposals', { clientId: asn.id, startsAt: slots[3] });
    const proposal = proposed.body.data!.proposals[0]!;
    const [other] = (await createAccounts(t, 'asn', 1, 'fu-taken-other')) as [TestAccount];
    expect((await bookingClient(t, other).post('/bookings', { counselorId: counselor.id, startsAt: slots[3] })).status).toBe(201);
    const accept = await programmeClient(t, asn).post(`/proposals/${proposal.id}/accept`);
    expect(accept.status).toBe(409);
    expect(accept.body.error?.code).toBe('slot_taken');
    expect(accept.body.error?.message).toMatch(/after it was proposed/);
    expect(await t.platform.db.appointments.countDocuments({ clientId: asn.id, startsAt: { $gt: new Date() } })).toBe(0);
    expect(await t.platform.db.connection.collection('allowance_seats').countDocuments({ clientId: new Types.ObjectId(asn.id) })).toBe(0);
    const listed = await programmeClient(t, asn).get<ProposalView[]>('/proposals');
    expect(listed.body.data?.find((p) => p.id === proposal.id)?.state).toBe('pending');
  });

  it('ten accepts of one proposal at once: one booking, the others conflict', async () => {
    const { counselor, asn, slots } = await pair('fu-double');
    const proposed = await programmeClient(t, counselor).post<ProposeFollowUpResult>('/proposals', { clientId: asn.id, startsAt: slots[5] });
    const proposal = proposed.body.data!.proposals[0]!;
    const answers = await Promise.all(Array.from({ length: 10 }, () => programmeClient(t, asn).post(`/proposals/${proposal.id}/accept`)));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409 && a.body.error?.code === 'conflict')).toHaveLength(9);
    expect(await t.platform.db.appointments.countDocuments({ clientId: asn.id, startsAt: new Date(slots[5]!) })).toBe(1);
    expect(await t.platform.db.connection.collection('allowance_seats').countDocuments({ clientId: new Types.ObjectId(asn.id) })).toBe(1);
  });

  it('two people accepting proposals of the same slot at once: one booking, the other slot_taken', async () => {
    const { counselor, asn, slots } = await pair('fu-two');
    const [second] = (await createAccounts(t, 'asn', 1, 'fu-two-second')) as [TestAccount];
    await pastSession(t, counselor, second);
    const one = await programmeClient(t, counselor).post<ProposeFollowUpResult>('/proposals', { clientId: asn.id, startsAt: slots[7] });
    const two = await programmeClient(t, counselor).post<ProposeFollowUpResult>('/proposals', { clientId: second.id, startsAt: slots[7] });
    const answers = await Promise.all([
      programmeClient(t, asn).post(`/proposals/${one.body.data!.proposals[0]!.id}/accept`),
      programmeClient(t, second).post(`/proposals/${two.body.data!.proposals[0]!.id}/accept`),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)?.body.error?.code).toBe('slot_taken');
    expect(await t.platform.db.appointments.countDocuments({ counselorId: counselor.id, startsAt: new Date(slots[7]!) })).toBe(1);
  });

  it('proposals hold metadata only', async () => {
    const fields = Object.keys(t.platform.db.connection.models.FollowUpProposal!.schema.paths).sort();
    expect(fields).toEqual(['__v', '_id', 'clientId', 'counselorId', 'endsAt', 'proposedAt', 'seriesId', 'startsAt', 'week', 'weeks']);
    const answers = Object.keys(t.platform.db.connection.models.FollowUpAnswer!.schema.paths).sort();
    expect(answers).toEqual(['__v', '_id', 'answer', 'answeredAt', 'appointmentId', 'clientId', 'proposalId']);
  });
});
