import type { FeedbackStatus } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { feedbackClient } from './referral-app.js';

let t: TestPlatform;
let counselor: TestAccount;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
  [counselor] = (await createAccounts(t, 'counselor', 1, 'fb-counselor')) as [TestAccount];
});
afterAll(async () => {
  await t?.close();
});

/** A session of this person that began `daysAgo` days ago, as its booking would be left (status as given). */
async function session(client: TestAccount, daysAgo: number, status: 'completed' | 'booked' | 'cancelled' = 'completed'): Promise<string> {
  const startsAt = new Date(Date.now() - daysAgo * 86_400_000);
  const created = await t.platform.db.appointments.create({
    counselorId: counselor.id,
    clientId: client.id,
    startsAt,
    endsAt: new Date(startsAt.getTime() + 30 * 60_000),
    roomId: `fb-${client.id}-${daysAgo}-${status}`,
    status,
  });
  return String(created._id);
}

const raw = (collection: string) => t.platform.db.connection.collection(collection);

describe('session feedback', () => {
  it('the ASN of a held session rates it once: 1–5 and chips, kept with the month only', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'fb-rater')) as [TestAccount];
    const appointmentId = await session(asn, 2);
    expect((await feedbackClient(t, asn).get<FeedbackStatus>(`/${appointmentId}`)).body.data).toEqual({ rated: false, open: true });
    const rated = await feedbackClient(t, asn).post<FeedbackStatus>('/', { appointmentId, rating: 4, chips: ['felt_heard', 'helpful'] });
    expect(rated.status).toBe(201);
    expect(rated.body.data).toEqual({ rated: true, open: false });
    expect((await feedbackClient(t, asn).get<FeedbackStatus>(`/${appointmentId}`)).body.data).toEqual({ rated: true, open: false });
    const again = await feedbackClient(t, asn).post('/', { appointmentId, rating: 1 });
    expect([again.status, again.body.error?.code]).toEqual([409, 'conflict']);
    expect(await raw('feedback_claims').countDocuments({ appointmentId: new Types.ObjectId(appointmentId) })).toBe(1);
  });

  it('many ratings of one session at once: exactly one is kept', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'fb-race')) as [TestAccount];
    const appointmentId = await session(asn, 3);
    const month = new Date(Date.now() - 3 * 86_400_000 + 7 * 3_600_000).toISOString().slice(0, 7);
    const before = await raw('session_feedback').countDocuments({ month, rating: 2 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => feedbackClient(t, asn).post('/', { appointmentId, rating: 2 })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(9);
    expect(await raw('session_feedback').countDocuments({ month, rating: 2 })).toBe(before + 1);
  });

  it('only a held session of one’s own, within 30 days: others are not found, a late one is past its cut-off', async () => {
    const [asn, stranger] = (await createAccounts(t, 'asn', 2, 'fb-own')) as [TestAccount, TestAccount];
    const mine = await session(asn, 1);
    const cancelled = await session(asn, 4, 'cancelled');
    const noShow = await session(asn, 5, 'booked');
    const old = await session(asn, 40);
    for (const [who, appointmentId] of [
      [stranger, mine],
      [asn, cancelled],
      [asn, noShow],
      [asn, new Types.ObjectId().toString()],
    ] as const) {
      const answer = await feedbackClient(t, who).post('/', { appointmentId, rating: 5 });
      expect([answer.status, answer.body.error?.code]).toEqual([404, 'not_found']);
      expect((await feedbackClient(t, who).get(`/${appointmentId}`)).status).toBe(404);
    }
    const late = await feedbackClient(t, asn).post('/', { appointmentId: old, rating: 5 });
    expect([late.status, late.body.error?.code]).toEqual([409, 'past_cutoff']);
    expect(await raw('feedback_claims').countDocuments({ appointmentId: { $in: [mine, cancelled, noShow, old].map((id) => new Types.ObjectId(id)) } })).toBe(0);
  });

  it('bad input: a typed 400, nothing written — no free text, no unknown chip, no repeat, no account field', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'fb-bad')) as [TestAccount];
    const appointmentId = await session(asn, 1);
    for (const body of [
      {},
      { appointmentId },
      { appointmentId, rating: 0 },
      { appointmentId, rating: 6 },
      { appointmentId, rating: 3.5 },
      { appointmentId, rating: '5' },
      { appointmentId, rating: 5, comment: 'my counselor was late' },
      { appointmentId, rating: 5, chips: ['my counselor was late'] },
      { appointmentId, rating: 5, chips: ['helpful', 'helpful'] },
      { appointmentId, rating: 5, userId: asn.id },
      { appointmentId: 'x', rating: 5 },
    ]) {
      const answer = await feedbackClient(t, asn).post('/', body);
      expect([body, answer.status, answer.body.error?.code]).toEqual([body, 400, 'invalid_payload']);
    }
    expect(await raw('feedback_claims').countDocuments({ appointmentId: new Types.ObjectId(appointmentId) })).toBe(0);
  });

  it('a counselor or staff cannot rate, nor ask whether a session was rated', async () => {
    const [asn, admin] = [(await createAccounts(t, 'asn', 1, 'fb-role'))[0]!, (await createAccounts(t, 'admin', 1, 'fb-role-admin'))[0]!];
    const appointmentId = await session(asn, 1);
    for (const who of [counselor, admin]) {
      expect((await feedbackClient(t, who).post('/', { appointmentId, rating: 5 })).status).toBe(403);
      expect((await feedbackClient(t, who).get(`/${appointmentId}`)).status).toBe(403);
    }
    expect((await fetch(`${t.url}/api/feedback/${appointmentId}`)).status).toBe(401);
  });
});
