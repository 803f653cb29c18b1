import net from 'node:net';
import { demoAccounts } from '@care/server';
import { ErrorCode } from '@care/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, sessionHeaders, startSignedIn, type TestPlatform, type TestSocket } from '../support/test-platform.js';

// What the fuzz test (fuzz.test.ts) found, each pinned down: requests broken
// below the level of a schema still get a typed error, never a 500 or a bare
// status line, and a socket request whose ack is not where expected still
// gets its answer.
const asn = demoAccounts[1];
let t: TestPlatform;
let cookie: string;
beforeAll(async () => void ({ t, cookie } = await startSignedIn(asn)));
afterAll(() => t.close());

/** Sends bytes as they are (no HTTP client would) and reads the whole answer. */
function rawHttp(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(t.platform.port, '127.0.0.1', () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

function expectTypedError(status: number, contentType: string | null, body: unknown, expected: number): void {
  expect(status).toBe(expected);
  expect(contentType).toMatch(/^application\/json/);
  expect(body).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  expect(ErrorCode.safeParse((body as { error: { code: string } }).error.code).success).toBe(true);
}

describe('HTTP broken below the schema', () => {
  it('answers a request line over 16 kB and bytes that are not HTTP with a typed JSON error', async () => {
    const long = await rawHttp(`GET /api/auth/me?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(long).toMatch(/^HTTP\/1\.1 431 /);
    expect(long).toMatch(/content-type: application\/json/i);
    expect(JSON.parse(long.slice(long.indexOf('\r\n\r\n') + 4))).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
    const garbage = await rawHttp('\u0000\u0001 not http at all\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4))).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('answers malformed percent-encoding in a path with 400, not 500', async () => {
    for (const path of ['/api/sessions/%', '/api/scheduling/bookings/%E0%A4%A/calendar.ics', '/api/circles/%zz/members']) {
      const response = await fetch(`${t.url}${path}`, { headers: { cookie } });
      expectTypedError(response.status, response.headers.get('content-type'), await response.json(), 400);
    }
  });

  it('answers a body in an unsupported charset or a false content encoding with 400, not 500', async () => {
    const cases: Array<Record<string, string>> = [
      { 'content-type': 'application/json; charset=koi8-r' },
      { 'content-type': 'application/json; charset=nonsense' },
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json', 'content-encoding': 'nonsense' },
    ];
    for (const headers of cases) {
      const response = await fetch(`${t.url}/api/auth/consent`, { method: 'POST', headers: { ...sessionHeaders(cookie), ...headers }, body: '{"accepted":true}' });
      expectTypedError(response.status, response.headers.get('content-type'), await response.json(), 400);
    }
  });

  it('answers a write to a path nobody serves with a typed 404, not an HTML page', async () => {
    const response = await fetch(`${t.url}/no/such/thing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('socket requests whose ack is not the second argument', () => {
  let socket: TestSocket;
  beforeAll(async () => {
    socket = await connect(t.url, cookie);
  });
  afterAll(() => socket.close());

  const emitRaw = (event: string, ...args: unknown[]) =>
    new Promise<unknown>((resolve) => (socket as unknown as { emit(e: string, ...a: unknown[]): void }).emit(event, ...args, resolve));

  it('answers a request sent with no payload at all through its ack (the ack came first)', async () => {
    const answer = await emitRaw('presence:subscribe');
    expect(answer).toMatchObject({ ok: false, error: { code: 'invalid_payload' } });
  });

  it('answers a request with extra arguments through the ack that comes last', async () => {
    const answer = (await emitRaw('presence:subscribe', { userIds: ['0123456789abcdef01234567'] }, 'extra', 42)) as { ok: boolean };
    expect(answer.ok).toBe(true);
  });
});
