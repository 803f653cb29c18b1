import { hashPassword, SessionStore } from '@care/server';
import type { Role } from '@care/shared';
import { sessionHeaders, type TestPlatform } from '../../support/test-platform.js';

export interface SchedulingApp {
  /** Base URL to put /api/scheduling/... after. */
  url: string;
  close(): Promise<void>;
}

/** The platform serves /api/scheduling itself; kept as one place to get its base URL. */
export async function startSchedulingApp(t: TestPlatform): Promise<SchedulingApp> {
  return { url: t.url, close: async () => undefined };
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
  const sessions = new SessionStore(t.platform.redis, { idleSeconds: 3600, maxSeconds: 3600 });
  return Promise.all(
    users.map(async (user) => ({
      id: user.id as string,
      role,
      displayName: user.displayName,
      cookie: `care_session=${(await sessions.create({ userId: user.id as string, role, passwordStamp: null })).token}`,
    })),
  );
}

export interface ApiAnswer<T = unknown> {
  status: number;
  body: { ok: boolean; data?: T; error?: { code: string; message: string; issues?: Array<{ path: string; message: string }> } };
}

/** A JSON client for /api/scheduling (or another API under `api`, e.g. /api/programme) as one person (or nobody). */
export function schedulingClient(baseUrl: string, cookie?: string, api = '/api/scheduling') {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const headers: Record<string, string> = cookie ? sessionHeaders(cookie) : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${api}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as ApiAnswer<T>['body'] };
  };
  return {
    get: <T = unknown>(path: string) => call<T>('GET', path),
    post: <T = unknown>(path: string, body: unknown = {}) => call<T>('POST', path, body),
    put: <T = unknown>(path: string, body: unknown) => call<T>('PUT', path, body),
    delete: <T = unknown>(path: string, body: unknown = {}) => call<T>('DELETE', path, body),
  };
}
export type SchedulingClient = ReturnType<typeof schedulingClient>;

/** Every day of the week, the whole day: there is always a slot soon, whatever the time the test runs. */
export const allWeek = (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((weekday) => ({ weekday, start: '00:00', end: '24:00' }));
