import { afterEach, describe, expect, it, vi } from 'vitest';
import { api } from './api-client.js';
import { ApiError } from './api-error.js';

/*
 * The REST client believes no answer it has not checked: each is parsed with
 * its schema from the shared protocol (or the error body's), as socket
 * answers are, and one that does not match is refused and named.
 */

const realFetch = globalThis.fetch;

/** The next calls answer with these bodies (a string is sent as it is, anything else as JSON). */
function answerWith(...bodies: unknown[]): ReturnType<typeof vi.fn> {
  const fetch = vi.fn(async () => {
    const body = bodies.shift();
    return new Response(typeof body === 'string' ? body : JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  globalThis.fetch = fetch as unknown as typeof globalThis.fetch;
  return fetch;
}

async function refusal(call: Promise<unknown>): Promise<ApiError> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

afterEach(() => {
  globalThis.fetch = realFetch;
  vi.restoreAllMocks();
});

describe('REST answers are checked against the protocol', () => {
  it('gives a well-formed answer as it came', async () => {
    const fetch = answerWith({ ok: true, data: [] });
    expect(await api.appointments()).toEqual([]);
    expect(fetch).toHaveBeenCalledWith('/api/appointments', expect.objectContaining({ credentials: 'same-origin' }));
  });

  it('refuses an answer whose data does not match, and names its path (without the query) on the console', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    answerWith({ ok: true, data: [{ id: 42, counselor: '<img src=x onerror=alert(1)>' }] });
    const error = await refusal(api.appointments());
    expect(error.code).toBe('invalid_payload');
    answerWith({ ok: true, data: { slots: 'all of them' } });
    expect((await refusal(api.counselorSlots('c1', { from: '2026-12-01' }))).code).toBe('invalid_payload');
    expect(warn.mock.calls.map(([line]) => line)).toEqual([
      'dropped a malformed server answer: /api/appointments',
      'dropped a malformed server answer: /api/scheduling/counselors/c1/slots',
    ]);
  });

  it('believes a refusal only in the error body the protocol allows', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    answerWith({ ok: false, error: { code: 'not_found', message: 'No such appointment.' } });
    const typed = await refusal(api.appointment('a1'));
    expect([typed.code, typed.message]).toEqual(['not_found', 'No such appointment.']);
    answerWith({ ok: false, error: { code: 'please_enter_your_password_again', message: 'x' } });
    expect((await refusal(api.appointment('a1'))).code).toBe('invalid_payload');
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('refuses garbage: not JSON, or JSON that is no answer at all', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    answerWith('<html>proxy error</html>');
    expect((await refusal(api.appointments())).code).toBe('internal');
    answerWith('"hello"');
    expect((await refusal(api.appointments())).code).toBe('invalid_payload');
    answerWith({ ok: 'yes', data: [] });
    expect((await refusal(api.appointments())).code).toBe('invalid_payload');
  });

  it('checks an answer with no data of its own too (a sign-out answers an empty object)', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    answerWith({ ok: true, data: { token: 't' } }, { ok: true, data: {} });
    expect(await api.logout()).toEqual({});
    answerWith({ ok: true, data: { token: 't' } }, { ok: true, data: { redirect: 'https://evil.example' } });
    expect((await refusal(api.logout())).code).toBe('invalid_payload');
  });
});
