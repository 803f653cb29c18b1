import type { CreateCircleBody, FacilitatedCircleView } from '@care/shared';
import { expect } from 'vitest';
import { sessionHeaders } from '../../support/test-platform.js';
import type { ApiAnswer, TestAccount } from '../scheduling/scheduling-app.js';

export { createAccounts, type TestAccount } from '../scheduling/scheduling-app.js';

const HOUR = 3_600_000;

/** A JSON client for /api/circles as one person (or nobody). */
export function circlesClient(baseUrl: string, account?: TestAccount) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const headers: Record<string, string> = account ? sessionHeaders(account.cookie) : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}/api/circles${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as ApiAnswer<T>['body'] };
  };
  return {
    get: <T = unknown>(path: string) => call<T>('GET', path),
    post: <T = unknown>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  };
}
export type CirclesClient = ReturnType<typeof circlesClient>;

/** A circle body whose first meeting is `hoursAhead` from now, on a whole minute. */
export function circleBody(overrides: Partial<CreateCircleBody> = {}, hoursAhead = 48): CreateCircleBody {
  const first = Math.ceil((Date.now() + hoursAhead * HOUR) / 60_000) * 60_000;
  return { topic: 'Mengelola stres kerja', firstStartsAt: new Date(first).toISOString(), ...overrides };
}

/** Creates a circle as `facilitator` and returns its view. */
export async function createCircle(baseUrl: string, facilitator: TestAccount, overrides: Partial<CreateCircleBody> = {}): Promise<FacilitatedCircleView> {
  const answer = await circlesClient(baseUrl, facilitator).post<FacilitatedCircleView>('/', circleBody(overrides));
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.data!;
}
