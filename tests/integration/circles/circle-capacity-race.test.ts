import type { CircleView, EnrolResult, FacilitatedCircleView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../support/test-platform.js';
import { circlesClient, createAccounts, createCircle, type TestAccount } from './circles-client.js';

/*
 * Capacity under concurrency: seats are claim documents under the unique
 * indexes {circleId, seatNo} and {circleId, userId}; whatever runs at once,
 * a circle never holds more people than seats, nor anyone twice.
 */

let t: TestPlatform;
let facilitator: TestAccount;
let asns: TestAccount[];

beforeAll(async () => {
  t = await startTestPlatform();
  [facilitator] = (await createAccounts(t, 'counselor', 1, 'race-facilitator')) as [TestAccount];
  asns = await createAccounts(t, 'asn', 60, 'race-asn');
});
afterAll(async () => {
  await t?.close();
});

const seats = () => t.platform.db.connection.collection('circle_seats');
const waitlist = () => t.platform.db.connection.collection('circle_waitlist');

describe('enrolment race', () => {
  it('60 people enrol at once in a circle of 12: exactly 12 seats (1..12), 48 in line with distinct places', async () => {
    const circle = await createCircle(t.url, facilitator, { capacity: 12 });
    const answers = await Promise.all(asns.map((asn) => circlesClient(t.url, asn).post<EnrolResult>(`/${circle.id}/enrol`)));
    expect(answers.map((a) => a.status)).toEqual(asns.map(() => 200));
    const results = answers.map((a) => a.body.data!);

    const enrolled = results.filter((r) => r.status === 'enrolled');
    const waiting = results.filter((r) => r.status === 'waitlisted');
    expect(enrolled).toHaveLength(12);
    expect(waiting).toHaveLength(48);
    expect(enrolled.map((r) => r.seatNo).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    // Each answer names the pseudonym of its own seat.
    expect(new Set(enrolled.map((r) => r.pseudonym)).size).toBe(12);
    expect(waiting.map((r) => r.position).sort((a, b) => a - b)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));

    const circleId = new Types.ObjectId(circle.id);
    expect(await seats().countDocuments({ circleId })).toBe(12);
    expect(await waitlist().countDocuments({ circleId })).toBe(48);

    // What the people see afterwards agrees with what they were told.
    for (const [i, asn] of asns.entries()) {
      const mine = (await circlesClient(t.url, asn).get<CircleView[]>('/mine')).body.data!;
      expect(mine.find((c) => c.id === circle.id)?.mine).toEqual(results[i]);
    }
    const view = (await circlesClient(t.url, facilitator).get<FacilitatedCircleView[]>('/')).body.data!.find((c) => c.id === circle.id)!;
    expect(view).toMatchObject({ seatsTaken: 12, seatsLeft: 0, waitlistLength: 48, waitlistCount: 48 });
    expect(view.members).toHaveLength(12);
  });

  it('one person enrolling 10 times at once gets one seat, and the same answer each time', async () => {
    const circle = await createCircle(t.url, facilitator, { capacity: 4 });
    const asn = asns[0]!;
    const answers = await Promise.all(Array.from({ length: 10 }, () => circlesClient(t.url, asn).post<EnrolResult>(`/${circle.id}/enrol`)));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    for (const answer of answers) expect(answer.body.data).toEqual({ status: 'enrolled', seatNo: 1, pseudonym: 'Melati' });
    const circleId = new Types.ObjectId(circle.id);
    expect(await seats().countDocuments({ circleId })).toBe(1);
    expect(await waitlist().countDocuments({ circleId })).toBe(0);
  });

  it('the indexes alone hold the line: 30 raw inserts of one seat number, and of one person, each give exactly one', async () => {
    // Straight to the database, past the service and its lock.
    const circleId = new Types.ObjectId((await createCircle(t.url, facilitator, { capacity: 20 })).id);
    const sameSeat = await Promise.allSettled(asns.slice(0, 30).map((asn) => seats().insertOne({ circleId, seatNo: 7, userId: new Types.ObjectId(asn.id) })));
    expect(sameSeat.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const samePerson = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => seats().insertOne({ circleId, seatNo: 8 + (i % 12), userId: new Types.ObjectId(asns[59]!.id) })),
    );
    expect(samePerson.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await seats().countDocuments({ circleId })).toBe(2);
  });
});
