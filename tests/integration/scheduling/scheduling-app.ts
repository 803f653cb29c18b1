import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createLogger, hashPassword } from '@care/server';
import type { Role } from '@care/shared';
import { AuthService } from '../../../server/dist/auth/auth-service.js';
import { SessionStore } from '../../../server/dist/auth/session-store.js';
import { createHttpApp, type HttpAppParts } from '../../../server/dist/http/http-app.js';
import { schedulingRoutes } from '../../../server/dist/scheduling/scheduling-routes.js';
import { createScheduling, type Scheduling } from '../../../server/dist/scheduling/scheduling.js';
import type { TestPlatform } from '../../support/test-platform.js';

/*
 * Scheduling's REST API for the tests, until server/src/platform.ts mounts
 * it: the same router, services, error handler and session check, on the
 * test platform's own FerretDB database and Redis, served on a second port.
 * Sessions live in Redis, so a cookie from the platform's login works here.
 * Once the platform mounts /api/scheduling itself, its own is used.
 */

export interface SchedulingApp {
  /** Base URL to put /api/scheduling/... after. */
  url: string;
  close(): Promise<void>;
}

export async function startSchedulingApp(t: TestPlatform): Promise<SchedulingApp> {
  const probe = await fetch(`${t.url}/api/scheduling/counselors`);
  if (probe.status !== 404) return { url: t.url, close: async () => undefined };

  // Log lines go where the platform's do, so privacy checks see them too.
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      t.logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const log = createLogger('debug', sink).child({ component: 'scheduling' });
  const scheduling: Scheduling = await createScheduling({ db: t.platform.db, redis: t.platform.redis, log });
  const auth = new AuthService(t.platform.db, new SessionStore(t.platform.redis, 3600));
  // No health routes on this second port: a pass-through in their place.
  const noHealth = ((_req: unknown, _res: unknown, next: () => void) => next()) as unknown as HttpAppParts['health'];
  const app = createHttpApp({ api: { '/scheduling': schedulingRoutes({ auth, scheduling }) }, health: noHealth, log });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface TestAccount {
  id: string;
  role: Role;
  displayName: string;
  /** `care_session=…`, ready for a Cookie header. */
  cookie: string;
}

let sharedHash: Promise<string> | undefined;

/**
 * Accounts straight into the database with a signed-in session each: one
 * argon2 hash for all of them (hashing 200 passwords, or 200 logins, would
 * only measure argon2).
 */
export async function createAccounts(t: TestPlatform, role: Role, count: number, prefix: string = role): Promise<TestAccount[]> {
  sharedHash ??= hashPassword('not-used-by-these-tests');
  const passwordHash = await sharedHash;
  const tag = Math.random().toString(36).slice(2, 8);
  const docs = Array.from({ length: count }, (_, i) => ({
    email: `${prefix}-${tag}-${i}@test.care-asn.id`,
    displayName: `${prefix} ${tag} ${i}`,
    role,
    passwordHash,
  }));
  const users = await t.platform.db.users.insertMany(docs);
  const sessions = new SessionStore(t.platform.redis, 3600);
  return Promise.all(
    users.map(async (user) => ({
      id: user.id as string,
      role,
      displayName: user.displayName,
      cookie: `care_session=${await sessions.create(user.id as string, role)}`,
    })),
  );
}

export interface ApiAnswer<T = unknown> {
  status: number;
  body: { ok: boolean; data?: T; error?: { code: string; message: string; issues?: Array<{ path: string; message: string }> } };
}

/** A JSON client for /api/scheduling as one person (or nobody). */
export function schedulingClient(baseUrl: string, cookie?: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const headers: Record<string, string> = {};
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}/api/scheduling${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as ApiAnswer<T>['body'] };
  };
  return {
    get: <T = unknown>(path: string) => call<T>('GET', path),
    post: <T = unknown>(path: string, body: unknown = {}) => call<T>('POST', path, body),
    put: <T = unknown>(path: string, body: unknown) => call<T>('PUT', path, body),
  };
}
export type SchedulingClient = ReturnType<typeof schedulingClient>;

/** Every day of the week, the whole day: there is always a slot soon, whatever the time the test runs. */
export const allWeek = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
