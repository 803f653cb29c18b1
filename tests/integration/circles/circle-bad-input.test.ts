import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionHeaders, startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { circleBody, circlesClient, createAccounts, createCircle, type TestAccount } from './circles-client.js';

/* Bad input gets a clear 4xx with a machine-readable code, and nothing is written. */

let t: TestPlatform;
let counselor: TestAccount;
let asn: TestAccount;

beforeAll(async () => {
  t = await startTestPlatform();
  [counselor] = (await createAccounts(t, 'counselor', 1, 'bad-counselor')) as [TestAccount];
  [asn] = (await createAccounts(t, 'asn', 1, 'bad-asn')) as [TestAccount];
});
afterAll(async () => {
  await t?.close();
});

const collections = () => ['circles', 'circle_meetings', 'circle_seats', 'circle_waitlist'].map((name) => t.platform.db.connection.collection(name));
const counts = () => Promise.all(collections().map((c) => c.countDocuments({})));

describe('creating a circle with bad input', () => {
  const past = new Date(Date.now() - 3_600_000).toISOString();
  const farAhead = new Date(Date.now() + 400 * 24 * 3_600_000).toISOString();
  it.each([
    ['capacity 21', { capacity: 21 }, 400, 'invalid_payload', 'capacity'],
    ['capacity 1', { capacity: 1 }, 400, 'invalid_payload', 'capacity'],
    ['a topic of 81 characters', { topic: 'x'.repeat(81) }, 400, 'invalid_payload', 'topic'],
    ['a topic of spaces', { topic: '    ' }, 400, 'invalid_payload', 'topic'],
    ['a start in the past', { firstStartsAt: past }, 422, 'too_soon', 'firstStartsAt'],
    ['a start more than a year ahead', { firstStartsAt: farAhead }, 422, 'beyond_horizon', 'firstStartsAt'],
    ['a start without an offset', { firstStartsAt: '2030-01-01T10:00:00' }, 400, 'invalid_payload', 'firstStartsAt'],
    ['an unknown zone', { timeZone: 'Asia/Atlantis' }, 400, 'invalid_payload', 'timeZone'],
    ['an offset for a zone', { timeZone: '+07:00' }, 400, 'invalid_payload', 'timeZone'],
    ['27 weekly meetings', { recurrence: 'weekly', occurrences: 27 }, 400, 'invalid_payload', 'occurrences'],
    ['several meetings of a one-off', { recurrence: 'once', occurrences: 3 }, 400, 'invalid_payload', 'occurrences'],
    ['a 20-minute meeting', { durationMinutes: 20 }, 400, 'invalid_payload', 'durationMinutes'],
    ['a 4-hour meeting', { durationMinutes: 240 }, 400, 'invalid_payload', 'durationMinutes'],
    ['a recurrence that does not exist', { recurrence: 'daily' }, 400, 'invalid_payload', 'recurrence'],
    ['a field nobody asked for', { notes: 'free text' }, 400, 'invalid_payload', ''],
  ] as const)('%s → %i %s', async (_name, change, status, code, path) => {
    const before = await counts();
    const answer = await circlesClient(t.url, counselor).post('/', { ...circleBody(), ...change });
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.body.error?.code).toBe(code);
    expect(answer.body.error?.message.length).toBeGreaterThan(10);
    expect(answer.body.error?.issues?.map((i) => i.path)).toContain(path);
    expect(await counts()).toEqual(before);
  });

  it('a body that is not JSON', async () => {
    const response = await fetch(`${t.url}/api/circles`, { method: 'POST', headers: { ...sessionHeaders(counselor.cookie), 'content-type': 'application/json' }, body: '{topic' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_payload');
  });
});

describe('unknown and malformed circle ids', () => {
  it.each([
    ['an unknown id', '0123456789abcdef01234567'],
    ['a malformed id', 'not-a-circle'],
    ['an id of the wrong length', 'abc123'],
  ])('%s is 404 not_found everywhere, and nothing is written', async (_name, id) => {
    const before = await counts();
    for (const answer of [
      await circlesClient(t.url, asn).post(`/${id}/enrol`),
      await circlesClient(t.url, asn).post(`/${id}/leave`),
      await circlesClient(t.url, counselor).post(`/${id}/cancel`),
      await circlesClient(t.url, counselor).get(`/${id}/members`),
    ]) {
      expect(answer.status).toBe(404);
      expect(answer.body.error?.code).toBe('not_found');
    }
    expect(await counts()).toEqual(before);
  });

  it('an enrolment with a body is refused, and writes nothing', async () => {
    const circle = await createCircle(t.url, counselor);
    const before = await counts();
    const answer = await circlesClient(t.url, asn).post(`/${circle.id}/enrol`, { seatNo: 1 });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('invalid_payload');
    expect(await counts()).toEqual(before);
  });
});
