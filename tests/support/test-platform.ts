import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { createLogger, csrfTokenFor, loadConfig, startPlatform, type Platform, type PlatformOverrides } from '@care/server';
import type { ClientToServerEvents, ServerToClientEvents } from '@care/shared';
import { io, type Socket } from 'socket.io-client';
import { inject } from 'vitest';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestPlatform {
  platform: Platform;
  url: string;
  /** Every log line the server wrote, raw, for privacy assertions. */
  logs: string[];
  dbName: string;
  close(): Promise<void>;
}

/**
 * A whole server (HTTP, Socket.IO, media) in this process, on the run's real
 * Redis and FerretDB, with its own database — or, given MONGODB_DB, a second
 * node on another platform's database (which that platform drops).
 */
export async function startTestPlatform(env: Record<string, string> = {}, overrides: PlatformOverrides = {}): Promise<TestPlatform> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const ownDatabase = env.MONGODB_DB === undefined;
  const dbName = env.MONGODB_DB ?? `care_test_${randomBytes(4).toString('hex')}`;
  const config = loadConfig({
    REDIS_URL: inject('redisUrl'),
    MONGODB_URI: inject('mongodbUri'),
    MONGODB_DB: dbName,
    PORT: '0',
    MEDIA_PORT_BASE: '0',
    MEDIA_WORKERS: '1',
    SEED_DEMO: 'true',
    LOG_LEVEL: 'debug',
    NODE_ENV: 'test',
    ...(process.env.MEDIASOUP_WORKER_BIN ? { MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN } : {}),
    ...env,
  });
  const platform = await startPlatform(config, createLogger('debug', sink), overrides);
  return {
    platform,
    url: `http://127.0.0.1:${platform.port}`,
    logs,
    dbName,
    async close() {
      if (ownDatabase) await platform.db.connection.dropDatabase().catch(() => undefined);
      await platform.close();
    },
  };
}

/** Signs in over REST and returns the session cookie. */
export async function login(url: string, email: string, password: string): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  if (response.status !== 200) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  const cookie = response.headers.get('set-cookie');
  if (!cookie) throw new Error('login set no cookie');
  return cookie.split(';')[0] ?? '';
}

/** The id of the account with this email (to admit it from the lobby, say). */
export async function userIdOf(t: TestPlatform, email: string): Promise<string> {
  return String((await t.platform.db.users.findOne({ email }))?._id);
}

/** A platform with one person signed in on it (the cookie), for a test file's `beforeAll`. */
export async function startSignedIn(account: { email: string; password: string }, env: Record<string, string> = {}): Promise<{ t: TestPlatform; cookie: string }> {
  const t = await startTestPlatform(env);
  return { t, cookie: await login(t.url, account.email, account.password) };
}

/**
 * The headers a signed-in script sends on a state-changing call: the session
 * cookie and its CSRF token (what the web app reads from GET /api/auth/csrf).
 */
export function sessionHeaders(cookie: string): Record<string, string> {
  const token = cookie.slice(cookie.indexOf('=') + 1);
  return { cookie, 'x-csrf-token': csrfTokenFor(token) };
}

export function connect(url: string, cookie?: string): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    transports: ['websocket'],
    extraHeaders: cookie ? { cookie } : {},
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (error) => {
      socket.close();
      reject(error);
    });
  });
}

/** Emits a request and resolves with the raw ack (success or typed error). */
export function ask(socket: TestSocket, event: string, payload: unknown, timeoutMs = 5000): Promise<unknown> {
  return (socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<unknown> }).emitWithAck(event, payload);
}

export function nextEvent<T>(socket: TestSocket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
    (socket as unknown as { once(e: string, h: (p: T) => void): void }).once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

export interface RoomPair {
  host: TestSocket;
  client: TestSocket;
  appointmentId: string;
  hostJoin: unknown;
  clientJoin: unknown;
}

/** The demo counselor opens the room, the demo client knocks, is admitted and joins. */
export async function enterRoomTogether(t: TestPlatform): Promise<RoomPair> {
  const { demoAccounts } = await import('@care/server');
  const [counselor, asn] = demoAccounts;
  const counselorCookie = await login(t.url, counselor.email, counselor.password);
  const asnCookie = await login(t.url, asn.email, asn.password);
  const list = (await (await fetch(`${t.url}/api/appointments`, { headers: { cookie: asnCookie } })).json()) as {
    data: Array<{ id: string; client: { id: string } }>;
  };
  const appointment = list.data[0];
  if (!appointment) throw new Error('no demo appointment');
  const host = await connect(t.url, counselorCookie);
  const client = await connect(t.url, asnCookie);
  const hostJoin = ((await ask(host, 'room:join', { sessionId: appointment.id })) as { data: unknown }).data;
  await ask(client, 'lobby:knock', { sessionId: appointment.id });
  await ask(host, 'lobby:admit', { sessionId: appointment.id, userId: appointment.client.id });
  const joined = (await ask(client, 'room:join', { sessionId: appointment.id })) as { ok: boolean; data: unknown };
  if (!joined.ok) throw new Error('client could not join');
  return { host, client, appointmentId: appointment.id, hostJoin, clientJoin: joined.data };
}
