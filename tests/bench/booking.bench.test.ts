import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { json } from 'node:stream/consumers';
import type { BookingView, CounselorSlotsView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAccounts, schedulingClient, type TestAccount } from '../integration/scheduling/scheduling-app.js';
import { CommandCensus, commandCount, type RequestTally } from '../support/command-census.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * bench:booking — what a person waiting for a booking's answer feels, and
 * what each booking costs, on the real FerretDB and Redis, in one run:
 *  1. the race: 200 ASNs book one slot at the same moment through the REST
 *     API; exactly one may win;
 *  2. 50 ASN at once: in each round 50 distinct signed-in ASNs, each having
 *     opened their counselor's free times first (as the booking page does),
 *     book at the same moment, each a different free slot: 10 counselors
 *     with the programme's default rules (50-minute sessions, 10-minute
 *     buffer, at most 8 a day) over 08:00–16:00 every day, 5 ASNs each,
 *     taking the counselor's next free slots, so days fill as they do and
 *     nobody is refused for a clash. The time of each answer as the client
 *     sees it, p50 and p95 over the measured rounds (a warm-up round first);
 *  3. the floor, in the same rounds (API and floor take turns going first):
 *     a bare `node:http` endpoint doing the least a booking can do — read the
 *     caller's sign-in from Redis (one GET of the hashed cookie token) and
 *     make the one insert into `appointments` (same collection and unique
 *     indexes) — called the same way, 50 at once;
 *  4. the commands per booking: every database command (the driver's
 *     command monitoring on the platform's connection) and Redis command
 *     (ioredis's command tracing) the platform sends for each booking,
 *     attributed to its request and counted between its arrival and its
 *     answer; what the booking sets off after its answer (invitations, live
 *     pushes) is counted apart. The floor's requests go through the same
 *     census, which must find their two commands each.
 * The last line is the result. No timed assertions.
 */

const RACERS = 200;
const AT_ONCE = 50;
const COUNSELORS = 10;
const ROUNDS = Number(process.env.BOOKING_BENCH_ROUNDS ?? 5);
const WARMUP_ROUNDS = 1;
const workingDay = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((weekday) => ({ weekday, start: '08:00', end: '16:00' }));
const raceDay = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));

let t: TestPlatform;
let census: CommandCensus;

beforeAll(async () => {
  // The census needs the platform's connection; it exists once the platform starts, so the hook looks it up late.
  const around = (req: IncomingMessage, res: ServerResponse, handle: () => void) => census.around(req, res, handle);
  t = await startTestPlatform({ LOG_LEVEL: 'warn' }, { aroundRequest: around, monitorDatabaseCommands: true });
  census = new CommandCensus(t.platform.db.connection.getClient());
}, 120_000);

afterAll(async () => {
  census?.close();
  await t?.close();
});

/** A counselor with the given weekly hours and rules, and their next free slots. */
async function counselorWithSlots(weekly: typeof workingDay, rules: Record<string, number>, count: number): Promise<{ counselor: TestAccount; slots: string[] }> {
  const [counselor] = (await createAccounts(t, 'counselor', 1, 'bench-counselor')) as [TestAccount];
  const asCounselor = schedulingClient(t.url, counselor.cookie);
  expect((await asCounselor.put('/availability', { weekly, ...rules })).status).toBe(200);
  const listed = await asCounselor.get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  const slots = (listed.body.data?.slots ?? []).map((s) => s.startsAt);
  expect(slots.length).toBeGreaterThanOrEqual(count);
  return { counselor, slots: slots.slice(0, count) };
}

/** Starts every job in the same tick; each answer's time (ms) as its caller sees it. */
async function allAtOnce(jobs: Array<() => Promise<void>>): Promise<number[]> {
  return Promise.all(
    jobs.map(async (job, i) => {
      const started = performance.now();
      await job().catch((error: unknown) => {
        // fetch says only "fetch failed"; what failed underneath is in its cause.
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`request ${i}: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`, { cause: error });
      });
      return performance.now() - started;
    }),
  );
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** How often each command name occurs over the tallies, e.g. `db:find×2.0`. */
function byName(tallies: RequestTally[], when: 'onPath' | 'afterAnswer'): string {
  const counts = new Map<string, number>();
  for (const tally of tallies) {
    for (const store of ['db', 'redis'] as const) {
      for (const name of tally[when][store]) counts.set(`${store}:${name}`, (counts.get(`${store}:${name}`) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name}×${(n / tallies.length).toFixed(2)}`)
    .join(' ');
}

it('booking benchmark', { timeout: 900_000 }, async ({ task }) => {
  // 1. The race.
  const race = await counselorWithSlots(raceDay, { minNoticeHours: 1, maxPerDay: 24, horizonDays: 365 }, 1);
  const racers = await createAccounts(t, 'asn', RACERS, 'bench-racer');
  const answers = await Promise.all(
    racers.map((asn) => schedulingClient(t.url, asn.cookie).post('/bookings', { counselorId: race.counselor.id, startsAt: race.slots[0] })),
  );
  const raceSuccesses = answers.filter((a) => a.status === 201).length;
  const slotTaken = answers.filter((a) => a.status === 409 && a.body.error?.code === 'slot_taken').length;
  expect(await t.platform.db.appointments.countDocuments({ counselorId: race.counselor.id })).toBe(raceSuccesses);

  // 2. 50 ASN at once, over several rounds.
  const rounds = WARMUP_ROUNDS + ROUNDS;
  const perCounselor = AT_ONCE / COUNSELORS;
  const counselors = await Promise.all(
    Array.from({ length: COUNSELORS }, () => counselorWithSlots(workingDay, { minNoticeHours: 1, horizonDays: 365 }, rounds * perCounselor)),
  );
  const slotOf = (round: number, i: number) => {
    const { counselor, slots } = counselors[i % COUNSELORS]!;
    return { counselorId: counselor.id, startsAt: slots[round * perCounselor + Math.floor(i / COUNSELORS)]! };
  };

  // 3. The floor: a sign-in read and the one insert, behind the barest HTTP endpoint.
  const floorCounselors = Array.from({ length: COUNSELORS }, () => new Types.ObjectId());
  const floorStart = Math.ceil(Date.now() / 3_600_000 + 2) * 3_600_000;
  const floor = await bareBookingEndpoint(t, census);

  const apiTimes: number[] = [];
  const floorTimes: number[] = [];
  const bookingTallies: RequestTally[] = [];
  const floorTallies: RequestTally[] = [];
  const pageTallies: RequestTally[] = [];
  let unattributed = { db: 0, redis: 0 };
  for (let round = 0; round < rounds; round += 1) {
    const measured = round >= WARMUP_ROUNDS;
    const asns = await createAccounts(t, 'asn', AT_ONCE, `bench-r${round}`);
    // What the booking page loads before the click: the counselor's free times.
    await Promise.all(asns.map((asn, i) => schedulingClient(t.url, asn.cookie).get(`/counselors/${slotOf(round, i).counselorId}/slots`)));
    const pages = census.take().tallies;
    const apiRound = () =>
      allAtOnce(
        asns.map((asn, i) => async () => {
          const answer = await schedulingClient(t.url, asn.cookie).post<BookingView>('/bookings', slotOf(round, i));
          if (answer.status !== 201) throw new Error(`booking ${round}/${i} failed: ${answer.status} ${JSON.stringify(answer.body.error)}`);
        }),
      );
    const floorRound = () =>
      allAtOnce(
        asns.map((asn, i) => async () => {
          const startsAt = new Date(floorStart + (round * perCounselor + Math.floor(i / COUNSELORS)) * 3_600_000).toISOString();
          const answer = await fetch(floor.url, {
            method: 'POST',
            headers: { cookie: asn.cookie, 'content-type': 'application/json' },
            body: JSON.stringify({ counselorId: floorCounselors[i % COUNSELORS]!.toString(), startsAt }),
          });
          if (answer.status !== 201) throw new Error(`floor insert ${round}/${i} failed: ${answer.status}`);
          await answer.json();
        }),
      );
    // Taking turns at going first; what the bookings set off after their answers (invitations, live
    // pushes) settles before the next half is timed, so neither half meets the other's leftovers.
    const apiFirst = round % 2 === 0;
    const first = await (apiFirst ? apiRound() : floorRound());
    await settle();
    const firstTaken = census.take();
    const firstTallies = firstTaken.tallies;
    const second = await (apiFirst ? floorRound() : apiRound());
    await settle();
    const secondTaken = census.take();
    const [api, bare] = apiFirst ? [first, second] : [second, first];
    const [apiTallies, bareTallies] = apiFirst ? [firstTallies, secondTaken.tallies] : [secondTaken.tallies, firstTallies];
    if (!measured) continue;
    apiTimes.push(...api);
    floorTimes.push(...bare);
    bookingTallies.push(...apiTallies.filter((r) => r.method === 'POST' && r.url === '/api/scheduling/bookings'));
    floorTallies.push(...bareTallies.filter((r) => r.method === 'POST'));
    pageTallies.push(...pages);
    for (const taken of [firstTaken, secondTaken]) {
      unattributed = { db: unattributed.db + taken.unattributed.db, redis: unattributed.redis + taken.unattributed.redis };
    }
  }
  await floor.close();

  expect(bookingTallies).toHaveLength(ROUNDS * AT_ONCE);
  expect(bookingTallies.every((r) => r.status === 201)).toBe(true);
  // The census checks itself on the floor: one Redis GET and one insert per request, nothing else.
  expect(floorTallies).toHaveLength(ROUNDS * AT_ONCE);
  expect(floorTallies.every((r) => r.onPath.db.join() === 'insert' && r.onPath.redis.join() === 'get')).toBe(true);
  for (const { counselor } of counselors) {
    expect(await t.platform.db.appointments.countDocuments({ counselorId: counselor.id })).toBe(rounds * perCounselor);
  }

  const onPath = bookingTallies.map((r) => commandCount(r, 'onPath'));
  const afterAnswer = bookingTallies.map((r) => commandCount(r, 'afterAnswer'));
  const p50 = percentile(apiTimes, 50);
  const p95 = percentile(apiTimes, 95);
  const commandsPerBooking = mean(onPath);
  (task.meta as { summary?: string[] }).summary = [
    `race: ${RACERS} concurrent API bookings of one slot: successes=${raceSuccesses} slot_taken=${slotTaken} other=${RACERS - raceSuccesses - slotTaken}`,
    `${ROUNDS} rounds (after ${WARMUP_ROUNDS} warm-up) of ${AT_ONCE} ASN booking at once over ${COUNSELORS} counselors: ` +
      `p50_ms=${p50.toFixed(0)} p95_ms=${p95.toFixed(0)} max_ms=${Math.max(...apiTimes).toFixed(0)}; ` +
      `floor (sign-in GET + one insert, bare node:http): p50_ms=${percentile(floorTimes, 50).toFixed(0)} p95_ms=${percentile(floorTimes, 95).toFixed(0)}`,
    `on the request path per booking: mean=${commandsPerBooking.toFixed(2)} min=${Math.min(...onPath)} max=${Math.max(...onPath)} ` +
      `(db=${mean(bookingTallies.map((r) => r.onPath.db.length)).toFixed(2)} redis=${mean(bookingTallies.map((r) => r.onPath.redis.length)).toFixed(2)}): ${byName(bookingTallies, 'onPath')}`,
    `after the answer per booking (invitations, live pushes): mean=${mean(afterAnswer).toFixed(2)}, ` +
      `of which sent while others of the burst still waited: ${mean(bookingTallies.map((r) => r.competing)).toFixed(2)}: ${byName(bookingTallies, 'afterAnswer')}`,
    `the page before the booking (GET slots) per request: mean=${mean(pageTallies.map((r) => commandCount(r, 'onPath'))).toFixed(2)}: ${byName(pageTallies, 'onPath')}; ` +
      `commands outside any request during the measured rounds: db=${unattributed.db} redis=${unattributed.redis}`,
    `booking: race_successes=${raceSuccesses} race_attempts=${RACERS} p50_ms=${p50.toFixed(0)} p95_ms=${p95.toFixed(0)} ` +
      `floor_p95_ms=${percentile(floorTimes, 95).toFixed(0)} commands_per_booking=${commandsPerBooking.toFixed(1)}`,
  ];
});

/**
 * The floor: POST {counselorId, startsAt} with the session cookie → the
 * sign-in read from Redis (one GET of the token's hash, where the platform
 * keeps it) → one insert into appointments → 201. No framework, no checks.
 */
async function bareBookingEndpoint(t: TestPlatform, census: CommandCensus): Promise<{ url: string; close(): Promise<void> }> {
  const appointments = t.platform.db.connection.collection('appointments');
  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    const answer = (status: number, body: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    // Read through a promise, so the rest runs in the request's own async context (the census attributes by it).
    const { counselorId, startsAt } = (await json(request)) as { counselorId: string; startsAt: string };
    const token = /care_session=([A-Za-z0-9_-]+)/.exec(request.headers.cookie ?? '')?.[1];
    const raw = token ? await t.platform.redis.get(`session:${createHash('sha256').update(token).digest('hex')}`) : null;
    if (!raw) return answer(401, { ok: false });
    const { userId } = JSON.parse(raw) as { userId: string };
    const start = new Date(startsAt);
    const { insertedId } = await appointments.insertOne({
      counselorId: new Types.ObjectId(counselorId),
      clientId: new Types.ObjectId(userId),
      startsAt: start,
      endsAt: new Date(start.getTime() + 50 * 60_000),
      roomId: randomUUID(),
      status: 'booked',
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    answer(201, { ok: true, data: { id: insertedId.toString() } });
  };
  const server = createServer((request, response) =>
    census.around(request, response, () => {
      serve(request, response).catch(() => response.writeHead(500).end('{"ok":false}'));
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
