import { demoAccounts } from '@care/server';
import type { AcceptProposalResult, CaseloadView, MyCounselorView, ProposalView, ReferralAsnView } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { login, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { schedulingClient } from '../scheduling/scheduling-app.js';

const [counselor, asn] = demoAccounts;
let t: TestPlatform;

beforeAll(async () => {
  // As `npm start` runs it: the demo seed in full (outside tests it also gives the counselor hours and a past session).
  t = await startTestPlatform({ LOG_LEVEL: 'info', NODE_ENV: 'development' });
});
afterAll(async () => {
  await t?.close();
});

describe('the demo shows an accompaniment', () => {
  it('the demo ASN has "my counselor" with a past session, and a pending follow-up they can accept; the counselor sees them on the caseload', async () => {
    const asnCookie = await login(t.url, asn.email, asn.password);
    const programme = schedulingClient(t.url, asnCookie, '/api/programme');
    const mine = await programme.get<MyCounselorView>('/my-counselor');
    expect(mine.status).toBe(200);
    expect(mine.body.data?.counselor?.displayName).toBe(counselor.displayName);
    expect(mine.body.data?.counselor?.nextSlots.length).toBeGreaterThan(0);

    const proposals = await programme.get<ProposalView[]>('/proposals');
    const pending = proposals.body.data?.filter((p) => p.state === 'pending') ?? [];
    expect(pending).toHaveLength(1);
    const accepted = await programme.post<AcceptProposalResult>(`/proposals/${pending[0]!.id}/accept`);
    expect(accepted.status).toBe(200);
    expect(accepted.body.data?.proposal.state).toBe('accepted');

    const caseload = await schedulingClient(t.url, await login(t.url, counselor.email, counselor.password), '/api/programme').get<CaseloadView>('/caseload');
    const entry = caseload.body.data?.people.find((p) => p.displayName === asn.displayName);
    expect(entry?.lastSessionAt).not.toBeNull();
    expect(entry?.nextSessionAt).toBe(pending[0]!.startsAt);
  });
});

describe('the demo shows a referral', () => {
  it('the demo ASN has one referral waiting for an answer, for a wellbeing concern', async () => {
    const referrals = schedulingClient(t.url, await login(t.url, asn.email, asn.password), '/api');
    const mine = await referrals.get<ReferralAsnView[]>('/referrals/mine');
    expect(mine.status).toBe(200);
    expect(mine.body.data).toHaveLength(1);
    expect(mine.body.data?.[0]?.reason).toBe('wellbeing');
  });
});
