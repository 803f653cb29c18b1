import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';
import { createAccounts, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { programmeClient } from '../integration/programme/programme-app.js';

/*
 * The evaluation contribution is meant to be unlinkable: what a modified
 * client or a curious operator could learn from it. A modified client is a
 * real HTTP client with a real session cookie, sending what a patched app
 * would send.
 */
let t: TestPlatform;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'debug' });
});
afterAll(async () => {
  await t?.close();
});

const claims = () => t.platform.db.connection.collection('evaluation_claims');
const contributions = () => t.platform.db.connection.collection('evaluation_contributions');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('hostile: the evaluation contribution', () => {
  it('a modified client cannot count twice: not by repeating, not by naming another unit, month or cycle', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'hostile-eval')) as [TestAccount];
    await t.platform.db.users.updateOne({ _id: asn.id }, { $set: { agencyUnit: 'HOSTILE-EVAL' } });
    const client = programmeClient(t, asn);
    expect((await client.post('/evaluation', { change: 'worse' })).status).toBe(201);
    const attempts = [
      { change: 'improved' },
      { change: 'improved', cycle: 2031 },
      { change: 'improved', unit: 'OTHER-UNIT' },
      { change: 'improved', month: '2031-01' },
      { change: 'improved', personId: new Types.ObjectId().toString() },
    ];
    const answers = await Promise.all(attempts.map((body) => client.post('/evaluation', body)));
    expect(answers.map((a) => a.status)).toEqual([409, 400, 400, 400, 400]);
    expect(answers[0]!.body.error?.code).toBe('already_contributed');
    expect(await contributions().countDocuments({ unit: { $in: ['HOSTILE-EVAL', 'OTHER-UNIT'] } })).toBe(1);
    expect(await claims().countDocuments({ personId: new Types.ObjectId(asn.id) })).toBe(1);
  });

  it('a contribution document holds no account id, no ObjectId and no time finer than the month; the claim holds no category and no time', async () => {
    const [asn] = (await createAccounts(t, 'asn', 1, 'hostile-eval-doc')) as [TestAccount];
    await t.platform.db.users.updateOne({ _id: asn.id }, { $set: { agencyUnit: 'HOSTILE-DOC' } });
    expect((await programmeClient(t, asn).post('/evaluation', { change: 'same' })).status).toBe(201);

    const [doc] = await contributions().find({ unit: 'HOSTILE-DOC' }).toArray();
    expect(doc).toBeDefined();
    expect(Object.keys(doc!).sort()).toEqual(['_id', 'change', 'month', 'unit']);
    expect(typeof doc!._id).toBe('string');
    expect(doc!._id).toMatch(UUID);
    expect(doc!.month).toMatch(/^\d{4}-\d{2}$/);
    // Not even by another name: the account id appears nowhere in it, nor does any Date or ObjectId.
    const raw = JSON.stringify(doc);
    expect(raw).not.toContain(asn.id);
    expect(Object.values(doc!).some((v) => v instanceof Date || v instanceof Types.ObjectId)).toBe(false);

    const [claim] = await claims().find({ personId: new Types.ObjectId(asn.id) }).toArray();
    expect(Object.keys(claim!).sort()).toEqual(['_id', 'cycle', 'personId']);
    expect(claim!._id).toMatch(UUID);
    expect(claim!._id).not.toBe(doc!._id);

    // The server's own log lines name neither the person nor the category.
    const lines = t.logs.filter((l) => l.includes('evaluation contribution'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).not.toContain('"change"');
      expect(line).not.toMatch(/same|improved|worse/);
    }
  });
});
