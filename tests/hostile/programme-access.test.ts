import type { BookingView, ProposalView, ProposeFollowUpResult } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { createAccounts, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { bookingClient, counselorWithSlots, pastSession, programmeClient } from '../integration/programme/programme-app.js';

/**
 * A modified client against the programme routes: a real signed-in session
 * calling /api/programme as a patched app would (the routes take nothing a
 * plain request cannot send).
 */
let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await t?.close();
});

async function pairWithProposal(prefix: string) {
  const { counselor, slots } = await counselorWithSlots(t, `${prefix}-counselor`);
  const [asn, stranger] = (await createAccounts(t, 'asn', 2, `${prefix}-asn`)) as [TestAccount, TestAccount];
  await pastSession(t, counselor, asn);
  const proposed = await programmeClient(t, counselor).post<ProposeFollowUpResult>('/proposals', { clientId: asn.id, startsAt: slots[0] });
  expect(proposed.status).toBe(201);
  return { counselor, asn, stranger, slots, proposal: proposed.body.data!.proposals[0]! };
}

describe('programme routes under attack', () => {
  it("an ASN accepting or declining another person's proposal: not found, and the proposal is untouched", async () => {
    const { asn, stranger, proposal } = await pairWithProposal('hp-foreign');
    for (const action of ['accept', 'decline']) {
      const answer = await programmeClient(t, stranger).post(`/proposals/${proposal.id}/${action}`);
      expect(answer.status).toBe(404);
      expect(answer.body.error?.code).toBe('not_found');
    }
    expect(await t.platform.db.appointments.countDocuments({ clientId: stranger.id })).toBe(0);
    expect((await programmeClient(t, stranger).get<ProposalView[]>('/proposals')).body.data).toEqual([]);
    expect((await programmeClient(t, asn).get<ProposalView[]>('/proposals')).body.data?.[0]?.state).toBe('pending');
    // A counselor cannot answer for the person either.
    const { counselor } = await counselorWithSlots(t, 'hp-foreign-other');
    expect((await programmeClient(t, counselor).post(`/proposals/${proposal.id}/accept`)).status).toBe(403);
  });

  it('a counselor proposing for, or granting to, someone not on their caseload: not found, nothing written', async () => {
    const { counselor: theirs, asn } = await pairWithProposal('hp-caseload');
    const { counselor: other, slots } = await counselorWithSlots(t, 'hp-caseload-other');
    const [stranger] = (await createAccounts(t, 'asn', 1, 'hp-caseload-stranger')) as [TestAccount];
    for (const clientId of [asn.id, stranger.id, other.id, theirs.id, new Types.ObjectId().toString()]) {
      const proposed = await programmeClient(t, other).post('/proposals', { clientId, startsAt: slots[0], weeks: 2 });
      expect(proposed.status).toBe(404);
      expect(proposed.body.error?.code).toBe('not_found');
      const granted = await programmeClient(t, other).post(`/caseload/${clientId}/grants`, { reason: 'needs_more_time', sessions: 4 });
      expect(granted.status).toBe(404);
    }
    expect(await t.platform.db.connection.collection('follow_up_proposals').countDocuments({ counselorId: new Types.ObjectId(other.id) })).toBe(0);
    expect(await t.platform.db.connection.collection('allowance_grants').countDocuments({ counselorId: new Types.ObjectId(other.id) })).toBe(0);
    expect((await programmeClient(t, other).get<{ people: unknown[] }>('/caseload')).body.data?.people).toEqual([]);
  });

  it('an ASN granting themselves sessions, an administrator reading anything here: forbidden; free text and extra fields: invalid_payload', async () => {
    const { counselor, asn } = await pairWithProposal('hp-roles');
    const self = await programmeClient(t, asn).post(`/caseload/${asn.id}/grants`, { reason: 'needs_more_time', sessions: 4 });
    expect(self.status).toBe(403);
    const [admin] = (await createAccounts(t, 'admin', 1, 'hp-roles-admin')) as [TestAccount];
    for (const path of ['/allowance', '/my-counselor', '/caseload', '/proposals']) {
      expect((await programmeClient(t, admin).get(path)).status).toBe(403);
    }
    for (const body of [
      { reason: 'needs_more_time', sessions: 4, note: 'struggling after divorce' },
      { reason: 'struggling after divorce', sessions: 1 },
      { reason: 'needs_more_time', sessions: 50 },
    ]) {
      const answer = await programmeClient(t, counselor).post(`/caseload/${asn.id}/grants`, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_payload');
    }
    expect(await t.platform.db.connection.collection('allowance_grants').countDocuments({ clientId: new Types.ObjectId(asn.id) })).toBe(0);
  });

  it('a flood of proposals to one person stops at 24 ahead; a flood of grants at 4 a year', async () => {
    const { counselor, asn, slots } = await pairWithProposal('hp-flood');
    const burst = await Promise.all(
      slots.slice(1, 41).map((startsAt) => programmeClient(t, counselor).post<ProposeFollowUpResult>('/proposals', { clientId: asn.id, startsAt })),
    );
    for (const answer of burst) expect([201, 409]).toContain(answer.status);
    for (const startsAt of slots.slice(1, 41)) {
      const answer = await programmeClient(t, counselor).post('/proposals', { clientId: asn.id, startsAt });
      expect([201, 409]).toContain(answer.status);
    }
    const held = await t.platform.db.connection.collection('follow_up_proposals').countDocuments({ clientId: new Types.ObjectId(asn.id) });
    expect(held).toBe(24);
    const over = await programmeClient(t, counselor).post('/proposals', { clientId: asn.id, startsAt: slots[50], weeks: 1 });
    expect(over.status).toBe(409);
    expect(over.body.error?.message).toMatch(/At most 24 proposals/);

    const grants = await Promise.all(
      Array.from({ length: 12 }, () => programmeClient(t, counselor).post(`/caseload/${asn.id}/grants`, { reason: 'plan_in_progress', sessions: 4 })),
    );
    expect(grants.filter((g) => g.status === 201).length).toBeLessThanOrEqual(4);
    for (const g of grants.filter((g) => g.status !== 201)) expect(g.body.error?.code).toBe('conflict');
    expect(await t.platform.db.connection.collection('allowance_grants').countDocuments({ clientId: new Types.ObjectId(asn.id) })).toBe(4);
  });

  it('booking past the default allowance of 8 by racing 20 bookings at once: exactly 8', async () => {
    const { counselor, slots } = await counselorWithSlots(t, 'hp-race-counselor');
    const [asn] = (await createAccounts(t, 'asn', 1, 'hp-race-asn')) as [TestAccount];
    const answers = await Promise.all(
      slots.slice(0, 20).map((startsAt) => bookingClient(t, asn).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt })),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(8);
    expect(answers.filter((a) => a.status === 409 && a.body.error?.code === 'allowance_used')).toHaveLength(12);
    expect(await t.platform.db.appointments.countDocuments({ clientId: asn.id })).toBe(8);
  });

  it('logs name no grant reason and no person next to a proposal', async () => {
    const lines = t.logs.filter((l) => /follow-up|allowance granted/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toMatch(/plan_in_progress|needs_more_time|clientId|counselorId/);
    }
  });
});
