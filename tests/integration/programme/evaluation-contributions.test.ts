import type { EvaluationContributionView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';
import { programmeClient } from './programme-app.js';

let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'info' });
});
afterAll(async () => {
  await t?.close();
});

const claims = () => t.platform.db.connection.collection('evaluation_claims');
const contributions = () => t.platform.db.connection.collection('evaluation_contributions');
const thisMonth = () => new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 7);

async function asnOfUnit(prefix: string, unit: string | null): Promise<TestAccount> {
  const [asn] = (await createAccounts(t, 'asn', 1, prefix)) as [TestAccount];
  await t.platform.db.users.updateOne({ _id: asn.id }, { $set: { agencyUnit: unit } });
  return asn;
}

describe('the programme evaluation contribution (real FerretDB and Redis)', () => {
  it('counts one change category with the account unit and the month, and refuses a second in the same cycle', async () => {
    const asn = await asnOfUnit('eval-once', 'EVAL-ONCE');
    const first = await programmeClient(t, asn).post<EvaluationContributionView>('/evaluation', { change: 'improved' });
    expect(first.status).toBe(201);
    expect(first.body.data).toEqual({ month: thisMonth(), cycle: Number(thisMonth().slice(0, 4)) });
    expect(await contributions().countDocuments({ unit: 'EVAL-ONCE' })).toBe(1);
    expect(await contributions().findOne({ unit: 'EVAL-ONCE' })).toMatchObject({ month: thisMonth(), change: 'improved' });

    const again = await programmeClient(t, asn).post('/evaluation', { change: 'worse' });
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('already_contributed');
    expect(await contributions().countDocuments({ unit: 'EVAL-ONCE' })).toBe(1);
    expect(await claims().countDocuments({ personId: new Types.ObjectId(asn.id) })).toBe(1);
  });

  it('a race of twelve contributions from one person counts one, and each other answer is already_contributed', async () => {
    const asn = await asnOfUnit('eval-race', 'EVAL-RACE');
    const answers = await Promise.all(Array.from({ length: 12 }, () => programmeClient(t, asn).post('/evaluation', { change: 'same' })));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(1);
    const refused = answers.filter((a) => a.status !== 201);
    expect(refused.map((a) => a.body.error?.code)).toEqual(Array.from({ length: 11 }, () => 'already_contributed'));
    expect(await contributions().countDocuments({ unit: 'EVAL-RACE' })).toBe(1);
    expect(await claims().countDocuments({ personId: new Types.ObjectId(asn.id) })).toBe(1);
  });

  it('different people of one unit are each counted; a person without a unit is counted under none', async () => {
    const people = await Promise.all([asnOfUnit('eval-unit-a', 'EVAL-UNIT'), asnOfUnit('eval-unit-b', 'EVAL-UNIT')]);
    const answers = await Promise.all(people.map((p, i) => programmeClient(t, p).post('/evaluation', { change: i === 0 ? 'improved' : 'worse' })));
    expect(answers.map((a) => a.status)).toEqual([201, 201]);
    expect((await contributions().find({ unit: 'EVAL-UNIT' }).toArray()).map((c) => c.change).sort()).toEqual(['improved', 'worse']);

    const loner = await asnOfUnit('eval-nounit', null);
    const before = await contributions().countDocuments({ unit: '—' });
    expect((await programmeClient(t, loner).post('/evaluation', { change: 'same' })).status).toBe(201);
    expect(await contributions().countDocuments({ unit: '—' })).toBe(before + 1);
  });

  it('bad input is a typed 400 and writes nothing; only an ASN may contribute', async () => {
    const asn = await asnOfUnit('eval-bad', 'EVAL-BAD');
    for (const body of [{}, { change: 'better' }, { change: 'improved', unit: 'OTHER' }, { change: 'improved', month: '2020-01' }, { change: 1 }, []]) {
      const answer = await programmeClient(t, asn).post('/evaluation', body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error?.code).toBe('invalid_payload');
    }
    expect(await claims().countDocuments({ personId: new Types.ObjectId(asn.id) })).toBe(0);
    expect(await contributions().countDocuments({ unit: 'EVAL-BAD' })).toBe(0);
    // A refusal spent nothing: the honest contribution still goes.
    expect((await programmeClient(t, asn).post('/evaluation', { change: 'improved' })).status).toBe(201);

    const [counselor] = (await createAccounts(t, 'counselor', 1, 'eval-counselor')) as [TestAccount];
    const refused = await programmeClient(t, counselor).post('/evaluation', { change: 'improved' });
    expect(refused.status).toBe(403);
    expect(await claims().countDocuments({ personId: new Types.ObjectId(counselor.id) })).toBe(0);
  });
});
