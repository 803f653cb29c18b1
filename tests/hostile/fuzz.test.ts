import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientRequests, type ClientRequestName } from '@care/shared';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';
import { FuzzPeople, roleNames } from './fuzz/fuzz-people.js';
import { FuzzTally, judgeAnswer, type Outcome } from './fuzz/fuzz-tally.js';
import { engineIoInputs, judgeEngineIo, judgeRest, restInputs, type RestAnswer, type RestInput } from './fuzz/rest-fuzz.js';
import { restCatalogue } from './fuzz/rest-catalogue.js';
import { listRoutes } from './fuzz/route-list.js';
import type { ArbitraryContext } from './fuzz/schema-arbitraries.js';
import { ackWatchers, rawPackets, sendRawPacket, sendRequest, socketInputs } from './fuzz/socket-fuzz.js';

// §7 of issue 12: property-based fuzzing of every REST route and every socket
// event, with inputs derived from the shared zod schemas: no crash, no
// unhandled rejection, no 5xx (or `internal`), every answer a typed one.
// CARE_FUZZ_RUNS sets how many inputs a run sends in all (npm run fuzz sends
// more); CARE_FUZZ_SEED replays a run.
const totalRuns = Number(process.env.CARE_FUZZ_RUNS ?? 10_000);
const seed = Number(process.env.CARE_FUZZ_SEED ?? Date.now() % 2 ** 31);
/** CARE_FUZZ_VERBOSE=1: a line per target (inputs, shrinks, time). */
const verbose = process.env.CARE_FUZZ_VERBOSE === '1';
const webBuild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build');

const tally = new FuzzTally();
const failures: string[] = [];
const problems: string[] = [];
let t: TestPlatform;
let people: FuzzPeople;
let context: ArbitraryContext;
let logLinesBefore = 0;

const onRejection = (reason: unknown) => {
  tally.unhandled += 1;
  problems.push(`unhandled rejection: ${String(reason)}`);
};
const onException = (error: unknown) => {
  tally.crashes += 1;
  problems.push(`uncaught exception: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
};

/** Pushed errors (`app:error`, the answer to a request sent without an ack) must be typed too. */
function watchPushes(socket: TestSocket): void {
  socket.on('app:error', (error) => {
    const outcome = judgeAnswer({ ok: false, error });
    if (outcome === 'server_error') tally.serverErrors += 1;
    if (outcome === 'untyped') tally.untyped += 1;
    if (outcome !== 'typed') problems.push(`app:error ${outcome}: ${JSON.stringify(error).slice(0, 300)}`);
  });
}

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  t = await startTestPlatform({ WEB_BUILD_DIR: webBuild, LOG_LEVEL: 'info' });
  people = await FuzzPeople.signIn(t.url, watchPushes);
  // Real ids (people, the demo appointments), so some inputs get past "not found" to the checks behind it.
  const appointments = (await (await fetch(`${t.url}/api/appointments`, { headers: { cookie: people.cookie('asn') } })).json()) as {
    data: Array<{ id: string; client: { id: string } }>;
  };
  const appointmentIds = appointments.data.map((a) => a.id);
  context = { knownIds: [...people.ids(), ...appointmentIds] };
  // The counselor and the ASN in the room of the appointment that is on now, so room and MLS events reach their handlers.
  const [now] = appointments.data;
  if (now) {
    const host = await people.socket('counselor');
    const client = await people.socket('asn');
    await host.timeout(5000).emitWithAck('room:join', { sessionId: now.id });
    await client.timeout(5000).emitWithAck('lobby:knock', { sessionId: now.id });
    await host.timeout(5000).emitWithAck('lobby:admit', { sessionId: now.id, userId: now.client.id });
    await client.timeout(5000).emitWithAck('room:join', { sessionId: now.id });
  }
  logLinesBefore = t.logs.length;
});

afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
  people?.close();
  await t?.close();
});

async function sendRest(input: RestInput): Promise<RestAnswer | 'not-sent' | 'dropped'> {
  const headers: Record<string, string> = { ...input.headers };
  if (input.who !== 'anonymous') {
    switch (input.auth) {
      case 'session':
        Object.assign(headers, people.headers(input.who));
        break;
      case 'no-csrf':
        headers.cookie = people.cookie(input.who);
        break;
      case 'wrong-csrf':
        Object.assign(headers, { cookie: people.cookie(input.who), 'x-csrf-token': 'A'.repeat(43) });
        break;
      case 'forged-cookie':
        headers.cookie = `care_session=${'x'.repeat(43)}`;
        break;
      default:
        input.auth satisfies never;
    }
  }
  let request: Request;
  try {
    const withBody = input.method !== 'GET' && input.method !== 'HEAD' && input.body !== undefined;
    request = new Request(`${t.url}${input.target}`, { method: input.method, headers, redirect: 'manual', ...(withBody ? { body: input.body } : {}) });
  } catch {
    // Something no HTTP client can send (a header value outside Latin-1): not an input.
    return 'not-sent';
  }
  try {
    const response = await fetch(request, { signal: AbortSignal.timeout(20_000) });
    const text = input.method === 'HEAD' ? '' : await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', text };
  } catch (error) {
    // The client refusing to send it (undici's own argument checks) is no input; anything else is the server dropping the request.
    const code = (error as { cause?: { code?: string } }).cause?.code;
    return code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED' ? 'not-sent' : 'dropped';
  }
}

/** With CARE_FUZZ_VERBOSE: how each target's inputs were answered (status and code), to see how deep they reach. */
const answersSeen = new Map<string, number>();
function noteAnswer(status: number, text: string): void {
  const code = /"code":"(\w+)"/.exec(text)?.[1] ?? '';
  const key = `${status}${code ? ` ${code}` : ''}`;
  answersSeen.set(key, (answersSeen.get(key) ?? 0) + 1);
}

/** A failing input, readable: long text cut, deep nesting elided (some inputs are 5,000 levels deep). */
function briefly(value: unknown, depth = 0): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}…(${value.length} chars)` : value);
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (value === null || typeof value !== 'object') return String(value);
  if (depth > 6) return Array.isArray(value) ? '[…]' : '{…}';
  if (Array.isArray(value)) return `[${value.slice(0, 8).map((item) => briefly(item, depth + 1)).join(',')}${value.length > 8 ? `,…(${value.length})` : ''}]`;
  return `{${Object.entries(value).slice(0, 12).map(([key, item]) => `${JSON.stringify(key)}:${briefly(item, depth + 1)}`).join(',')}}`;
}

/** Runs one target's property; a failing input is kept (fast-check's shrunk counterexample) and the run goes on. */
async function fuzzTarget<T>(name: string, runs: number, index: number, inputs: fc.Arbitrary<T>, send: (input: T) => Promise<Outcome>): Promise<void> {
  const started = performance.now();
  const result = await fc.check(
    fc.asyncProperty(inputs, async (input) => {
      const outcome = await send(input);
      if (outcome === 'server_error' || outcome === 'untyped') throw new Error(`${name}: ${outcome}`);
    }),
    { numRuns: runs, seed: seed + index },
  );
  if (result.failed) {
    const example = briefly(result.counterexample).slice(0, 1500);
    failures.push(`${name} (seed ${seed + index}, path ${result.counterexamplePath}): ${String(result.errorInstance)}\n  input: ${example}`);
  }
  if (verbose) {
    const answers = [...answersSeen].sort((a, b) => b[1] - a[1]).map(([key, count]) => `${key}×${count}`).join(' ');
    answersSeen.clear();
    console.log(`fuzz: ${name}: ${result.numRuns} inputs, ${result.numShrinks} shrinks, ${Math.round(performance.now() - started)} ms${answers ? ` [${answers}]` : ''}${result.failed ? `\n  ${failures.at(-1)}` : ''}`);
  }
}

describe('malformed input at volume (fast-check, from the shared zod schemas)', () => {
  let routes: string[] = [];
  const socketTargets: Array<ClientRequestName | 'unknown' | 'raw'> = [...(Object.keys(clientRequests) as ClientRequestName[]), 'unknown', 'raw'];

  beforeAll(() => {
    routes = listRoutes(t.platform.http);
  });

  it('knows the schemas of every route the server has (a new route must be added to the catalogue)', () => {
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((route) => !Object.hasOwn(restCatalogue, route)), 'routes without a catalogue entry').toEqual([]);
    expect(Object.keys(restCatalogue).filter((route) => !routes.includes(route)), 'catalogue entries without a route').toEqual([]);
  });

  const targetCount = () => routes.length + 1 + socketTargets.length;
  const runsPerTarget = () => Math.ceil(totalRuns / targetCount());

  it(
    'answers every REST route (and Engine.IO’s HTTP endpoint) with a typed answer, never a 5xx',
    async () => {
      const perTarget = runsPerTarget();
      const failuresBefore = failures.length;
      let index = 0;
      const restOutcome = async (input: RestInput, judge: (method: string, answer: RestAnswer, target: string) => Outcome): Promise<Outcome> => {
        const answer = await sendRest(input);
        if (answer === 'not-sent') return 'typed';
        const outcome = answer === 'dropped' ? 'untyped' : judge(input.method, answer, input.target);
        if (verbose && answer !== 'dropped') noteAnswer(answer.status, answer.text);
        tally.record('rest', outcome);
        // An input may sign someone out or deactivate them: bring them back for the inputs after it.
        if (answer !== 'dropped' && answer.status < 300 && input.method !== 'GET' && input.method !== 'HEAD') await people.restore();
        return outcome;
      };
      for (const route of routes) {
        // Any path under /socket.io/ (as sent, dot segments resolved) is Engine.IO's: the app shell's random paths reach it too.
        const judge = (method: string, answer: RestAnswer, target: string) =>
          new URL(`${t.url}${target}`).pathname.startsWith('/socket.io/') ? judgeEngineIo(method, answer) : judgeRest(method, answer);
        await fuzzTarget(route, perTarget, index++, restInputs(route, restCatalogue[route]!, context, roleNames), (input) => restOutcome(input, judge));
      }
      await fuzzTarget('Engine.IO HTTP', perTarget, index, engineIoInputs(roleNames), (input) => restOutcome(input, judgeEngineIo));
      const found = failures.slice(failuresBefore);
      expect(found, found.join('\n')).toEqual([]);
    },
    Math.max(120_000, totalRuns * 60),
  );

  it(
    'answers every socket event, unknown events and raw packets with a typed ack, or closes the connection cleanly',
    async () => {
      const perTarget = runsPerTarget();
      const failuresBefore = failures.length;
      const probe = (): [string, unknown] => ['presence:subscribe', { userIds: [people.ids()[0]] }];
      let index = 1000;
      if (verbose) ackWatchers.push((answer) => noteAnswer(0, JSON.stringify(answer) ?? ''));
      for (const target of socketTargets) {
        if (target === 'raw') {
          await fuzzTarget('raw Socket.IO packets', perTarget, index++, rawPackets(roleNames), async (input) => {
            const outcome = await sendRawPacket(await people.socket(input.who), input, probe);
            tally.record('socket', outcome);
            return outcome;
          });
          continue;
        }
        await fuzzTarget(`socket ${target}`, perTarget, index++, socketInputs(target, context, roleNames), async (input) => {
          const outcome = await sendRequest(await people.socket(input.who), input, probe);
          tally.record('socket', outcome);
          return outcome;
        });
      }
      const found = failures.slice(failuresBefore);
      expect(found, found.join('\n')).toEqual([]);
    },
    Math.max(120_000, totalRuns * 60),
  );

  it('leaves the server up, with no crash, no unhandled rejection and no error logged, and counts every input', async ({ task }) => {
    const health = await fetch(`${t.url}/healthz`);
    if (health.status !== 200) tally.crashes += 1;
    const errorsLogged = t.logs.slice(logLinesBefore).filter((line) => /"level":(50|60)/.test(line));
    for (const line of errorsLogged.slice(0, 5)) problems.push(`logged: ${line.slice(0, 400)}`);
    // Why sockets closed (Socket.IO's reasons): the server refusing a frame or packet, or the client giving up a connection.
    const reasons = new Map<string, number>();
    for (const reason of people.takeDisconnects()) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    const closed = [...reasons].map(([reason, count]) => `${reason}×${count}`).join(', ');
    (task.meta as { summary?: string[] }).summary = [
      `fuzz: seed=${seed} (CARE_FUZZ_SEED replays it) sockets_closed=[${closed}] errors_logged=${errorsLogged.length}`,
      tally.detail(),
      tally.summary(),
    ];
    expect(problems).toEqual([]);
    expect(errorsLogged).toEqual([]);
    // Closed by the server on purpose (a frame over the limit, a packet it cannot parse) or by our own client; never a hang (ping timeout).
    expect([...reasons.keys()].filter((reason) => !['transport close', 'transport error', 'parse error', 'io server disconnect', 'io client disconnect'].includes(reason))).toEqual([]);
    expect({ crashes: tally.crashes, unhandled: tally.unhandled, serverErrors: tally.serverErrors, untyped: tally.untyped }).toEqual({
      crashes: 0,
      unhandled: 0,
      serverErrors: 0,
      untyped: 0,
    });
    expect(tally.inputs).toBeGreaterThanOrEqual(totalRuns);
  });
});
