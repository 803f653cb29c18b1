import { sessionHeaders } from '../../support/test-platform.js';

export interface ApiAnswer<T = unknown> {
  status: number;
  body: { ok: boolean; data?: T; error?: { code: string; message: string; issues?: Array<{ path: string; message: string }> } };
}

/** A JSON client for /api as one person (or nobody), sending the CSRF token as the web app does. */
export function apiClient(baseUrl: string, cookie?: string) {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<ApiAnswer<T>> => {
    const headers: Record<string, string> = cookie ? sessionHeaders(cookie) : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}/api${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as ApiAnswer<T>['body'] };
  };
  return {
    get: <T = unknown>(path: string) => call<T>('GET', path),
    post: <T = unknown>(path: string, body: unknown = {}) => call<T>('POST', path, body),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** The token at the end of an invite link. */
export function tokenOf(link: string | undefined): string {
  const token = link?.split('/invite/')[1];
  if (!token) throw new Error(`not an invite link: ${link}`);
  return token;
}

export const uniqueEmail = (label: string) => `${label}-${Math.random().toString(36).slice(2, 8)}@test.care-asn.id`;
