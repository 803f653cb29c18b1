import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CounselorSlotsView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { allWeek, createAccounts, schedulingClient, startSchedulingApp, type SchedulingApp, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * bench:booking — in one run, on the real FerretDB and Redis:
 *  1. the race: 200 ASNs book one slot at the same moment through the REST
 *     API; exactly one may win;
 *  2. throughput: N distinct slots booked through the REST API (session
 *     check, availability, slot rules, insert under the unique indexes)
 *     against N distinct claim documents inserted with the raw driver into
 *     the same `appointments` collection (same indexes), with the same
 *     number of requests in flight. The ratio is what the API costs over the
 *     bare insert that is its commit point. The API's N bookings all go to
 *     one counselor (the worst case: each booking reads that counselor's
 *     calendar); a second, informational line spreads them over 20.
 *  3. a floor, for reading the ratio: a bare node:http endpoint (no
 *     framework, no session, no checks) that parses the body and makes the
 *     same one driver insert, called the same way. No HTTP API on this
 *     machine can beat its ratio; the API's distance from it is what the
 *     platform's own work costs.
 * The last line is the result. No timed assertions.
 */

const RACERS = 200;
const N = Number(process.env.BOOKING_BENCH_N ?? 400);
const IN_FLIGHT = 16;
const WARMUP = 20;
const SPREAD = 20;

let t: TestPlatform;
let app: SchedulingApp;

beforeAll(async () => {
  t = await startTestPlatform({ LOG_LEVEL: 'warn' });
  app = await startSchedulingApp(t);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await t?.close();
});

/** Runs `count` jobs with at most `inFlight` at a time; resolves with the wall time in ms. */
async function timed(count: number, inFlight: number, job: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < count) await job(next++);
    }),
  );
  return performance.now() - started;
}

async function counselorWithSlots(count: number): Promise<{ counselor: TestAccount; slots: string[] }> {
  const [counselor] = (await createAccounts(t, 'counselor', 1, 'bench-counselor')) as [TestAccount];
  const saved = await schedulingClient(app.url, counselor.cookie).put('/availability', {
    weekly: allWeek,
    minNoticeHours: 1,
    maxPerDay: 24,
    horizonDays: 365,
  });
  expect(saved.status).toBe(200);
  const [viewer] = (await createAccounts(t, 'asn', 1, 'bench-viewer')) as [TestAccount];
  const listed = await schedulingClient(app.url, viewer.cookie).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  const slots = (listed.body.data?.slots ?? []).map((s) => s.startsAt);
  expect(slots.length).toBeGreaterThanOrEqual(count);
  return { counselor, slots: slots.slice(0, count) };
}

it('booking benchmark', { timeout: 600_000 }, async ({ task }) => {
  // 1. The race.
  const race = await counselorWithSlots(1);
  const racers = await createAccounts(t, 'asn', RACERS, 'bench-racer');
  const answers = await Promise.all(
    racers.map((asn) => schedulingClient(app.url, asn.cookie).post('/bookings', { counselorId: race.counselor.id, startsAt: race.slots[0] })),
  );
  const raceSuccesses = answers.filter((a) => a.status === 201).length;
  const slotTaken = answers.filter((a) => a.status === 409 && a.body.error?.code === 'slot_taken').length;
  expect(await t.platform.db.appointments.countDocuments({ counselorId: race.counselor.id })).toBe(raceSuccesses);

  // 2a. Distinct slots through the API, one ASN each.
  const api = await counselorWithSlots(N + WARMUP);
  const bookers = await createAccounts(t, 'asn', N + WARMUP, 'bench-booker');
  const bookThrough = (offset: number) => async (i: number) => {
    const answer = await schedulingClient(app.url, bookers[offset + i]!.cookie).post('/bookings', {
      counselorId: api.counselor.id,
      startsAt: api.slots[offset + i],
    });
    if (answer.status !== 201) throw new Error(`API booking ${offset + i} failed: ${answer.status} ${JSON.stringify(answer.body.error)}`);
  };
  await timed(WARMUP, IN_FLIGHT, bookThrough(0));
  const apiMs = await timed(N, IN_FLIGHT, bookThrough(WARMUP));

  // 2a'. For comparison, the same number spread over 20 counselors (a counselor's
  // calendar is what each booking reads; see the note on FerretDB in the report).
  const spread = await Promise.all(Array.from({ length: SPREAD }, () => counselorWithSlots(Math.ceil(N / SPREAD))));
  const spreadBookers = await createAccounts(t, 'asn', N, 'bench-spread');
  const spreadMs = await timed(N, IN_FLIGHT, async (i) => {
    const { counselor, slots } = spread[i % SPREAD]!;
    const answer = await schedulingClient(app.url, spreadBookers[i]!.cookie).post('/bookings', {
      counselorId: counselor.id,
      startsAt: slots[Math.floor(i / SPREAD)],
    });
    if (answer.status !== 201) throw new Error(`spread booking ${i} failed: ${answer.status} ${JSON.stringify(answer.body.error)}`);
  });

  // 2b. The same number of distinct claims straight through the driver, same collection and indexes.
  const appointments = t.platform.db.connection.collection('appointments');
  const hourAhead = Date.now() + 2 * 3_600_000;
  const claimOf = (counselorId: Types.ObjectId, hour: number) => {
    const startsAt = new Date(Math.floor(hourAhead / 3_600_000 + hour) * 3_600_000);
    return {
      counselorId,
      clientId: new Types.ObjectId(),
      startsAt,
      endsAt: new Date(startsAt.getTime() + 50 * 60_000),
      roomId: randomUUID(),
      status: 'booked',
      createdAt: new Date(),
      updatedAt: new Date(),
    };
  };
  const driverCounselor = new Types.ObjectId();
  const insertClaim = (offset: number) => async (i: number) => {
    await appointments.insertOne(claimOf(driverCounselor, offset + i));
  };
  await timed(WARMUP, IN_FLIGHT, insertClaim(0));
  const driverMs = await timed(N, IN_FLIGHT, insertClaim(WARMUP));

  // 3. The floor: the same insert behind the barest HTTP endpoint, called like the API.
  const floorCounselor = new Types.ObjectId();
  const floor = await bareInsertEndpoint(async (hour) => {
    await appointments.insertOne(claimOf(floorCounselor, hour));
  });
  const insertOverHttp = (offset: number) => async (i: number) => {
    const answer = await fetch(floor.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hour: offset + i }) });
    if (answer.status !== 201) throw new Error(`bare HTTP insert ${offset + i} failed: ${answer.status}`);
    await answer.json();
  };
  await timed(WARMUP, IN_FLIGHT, insertOverHttp(0));
  const floorMs = await timed(N, IN_FLIGHT, insertOverHttp(WARMUP));
  await floor.close();

  expect(await t.platform.db.appointments.countDocuments({ counselorId: api.counselor.id })).toBe(N + WARMUP);
  expect(await appointments.countDocuments({ counselorId: driverCounselor })).toBe(N + WARMUP);

  const apiPerS = N / (apiMs / 1000);
  const driverPerS = N / (driverMs / 1000);
  const spreadPerS = N / (spreadMs / 1000);
  const floorPerS = N / (floorMs / 1000);
  (task.meta as { summary?: string[] }).summary = [
    `race: ${RACERS} concurrent API bookings of one slot: successes=${raceSuccesses} slot_taken=${slotTaken} other=${RACERS - raceSuccesses - slotTaken}`,
    `distinct slots, ${N} each, ${IN_FLIGHT} in flight (after ${WARMUP} warm-up): api_one_counselor_ms=${apiMs.toFixed(0)} driver_ms=${driverMs.toFixed(0)}`,
    `for comparison, ${N} API bookings over ${SPREAD} counselors: api_spread_per_s=${spreadPerS.toFixed(1)} ratio_spread=${(spreadPerS / driverPerS).toFixed(2)}`,
    `floor, the same insert behind a bare node:http endpoint: http_insert_per_s=${floorPerS.toFixed(1)} ratio_floor=${(floorPerS / driverPerS).toFixed(2)}`,
    `booking: race_successes=${raceSuccesses} race_attempts=${RACERS} api_per_s=${apiPerS.toFixed(1)} driver_per_s=${driverPerS.toFixed(1)} ratio=${(apiPerS / driverPerS).toFixed(2)}`,
  ];
});

/** A bare node:http endpoint: POST {hour} → one insert → 201. No framework, session or checks. */
async function bareInsertEndpoint(insert: (hour: number) => Promise<void>): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const { hour } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { hour: number };
      insert(hour).then(
        () => {
          response.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":true}');
        },
        () => {
          response.writeHead(500, { 'content-type': 'application/json' }).end('{"ok":false}');
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
