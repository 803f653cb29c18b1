import type { Redis } from 'ioredis';

/** One answer of the API as the attacker sees it: status, body, and the session cookie if one was set. */
export interface Answer<T = unknown> {
  status: number;
  body: { ok: boolean; data?: T; error?: { code: string; message: string } };
  cookie: string | undefined;
}

/** A JSON POST as any client could send it (no session unless the headers carry one). */
export async function postJson<T = unknown>(baseUrl: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Answer<T>['body'],
    cookie: response.headers.get('set-cookie')?.split(';')[0],
  };
}

/** The client address as the deployment's proxy on loopback reports it. */
export function fromAddress(ip: string): Record<string, string> {
  return { 'x-forwarded-for': ip };
}

/** How many answers had each status. */
export function statusCounts(answers: Array<{ status: number }>): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

/** Every key in Redis (SCAN, not KEYS): what a copy of Redis would show. */
export async function everyRedisKey(redis: Redis): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}
