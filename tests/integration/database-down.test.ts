import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TcpProxy } from '../support/tcp-proxy.js';
import { ask, connect, enterRoomTogether, login, sessionHeaders, startTestPlatform, type RoomPair, type TestPlatform } from '../support/test-platform.js';

/*
 * The database goes away under a running platform: the MONGODB_URI points at
 * an in-process TCP relay to the test FerretDB, which the test cuts. The
 * scheduling API must answer 503 `unavailable` at once rather than hang,
 * readiness must say the database is down, the live-session layer (Redis and
 * the SFU) must keep working, and the API must come back with the database.
 */

const [, asn, admin] = demoAccounts;
/** Each request is given this long before the test calls it hung. Not a timing assertion: a guard against waiting for ever. */
const HUNG_AFTER_MS = 20_000;

let t: TestPlatform;
let proxy: TcpProxy;
let room: RoomPair;
let asnCookie: string;
/** Signed in, never connected to this node's sockets. */
let adminCookie: string;

beforeAll(async () => {
  const target = new URL(inject('mongodbUri'));
  proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
  const viaProxy = new URL(inject('mongodbUri'));
  viaProxy.port = String(proxy.port);
  t = await startTestPlatform({ MONGODB_URI: viaProxy.toString() });
  room = await enterRoomTogether(t);
  asnCookie = await login(t.url, asn.email, asn.password);
  adminCookie = await login(t.url, admin.email, admin.password);
});
afterAll(async () => {
  room?.host.close();
  room?.client.close();
  await proxy?.restore();
  await t?.close();
  await proxy?.cut();
});

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...sessionHeaders(asnCookie), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(HUNG_AFTER_MS),
  });
  return { status: response.status, body: (await response.json()) as { ok: boolean; error?: { code: string; message: string } } };
}

describe('the database down under a running platform (real FerretDB behind a relay)', () => {
  it('answers 503 unavailable, reports it in readiness, keeps the room working, and recovers', async () => {
    const before = await api('GET', '/api/scheduling/counselors');
    expect(before.status).toBe(200);
    const counselorId = (before.body as { data?: Array<{ id: string }> }).data?.[0]?.id;
    expect(counselorId).toBeTruthy();

    await proxy.cut();

    for (const [method, path, body] of [
      ['GET', '/api/scheduling/counselors', undefined],
      ['GET', '/api/scheduling/bookings', undefined],
      ['POST', '/api/scheduling/bookings', { counselorId, startsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() }],
      ['GET', '/api/appointments', undefined],
    ] as const) {
      const answer = await api(method, path, body);
      expect([path, answer.status, answer.body.error?.code]).toEqual([path, 503, 'unavailable']);
      expect(answer.body.error?.message).toMatch(/database is not reachable/);
    }

    const ready = await fetch(`${t.url}/readyz`, { signal: AbortSignal.timeout(HUNG_AFTER_MS) });
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: Record<string, boolean> }).checks).toEqual({ redis: true, database: false, media: true });

    // The live layer: the admitted client leaves the room and comes back in (a reconnect), with the database gone.
    expect(await ask(room.client, 'room:leave', {})).toMatchObject({ ok: true });
    expect(await ask(room.client, 'room:join', { sessionId: room.appointmentId })).toMatchObject({ ok: true });
    expect(await ask(room.host, 'lobby:late', { sessionId: room.appointmentId, minutes: 5 })).toMatchObject({ ok: true });
    // The connection itself drops and is made anew (a network blip): the person is recognised and gets back in.
    room.client.close();
    room.client = await connect(t.url, asnCookie);
    expect(await ask(room.client, 'room:join', { sessionId: room.appointmentId })).toMatchObject({ ok: true });
    // Someone this node has not seen while the database was up cannot be told apart, and is refused plainly.
    await expect(connect(t.url, adminCookie)).rejects.toThrow('unavailable');

    await proxy.restore();
    let recovered = await api('GET', '/api/scheduling/counselors');
    for (let attempt = 0; recovered.status !== 200 && attempt < 120; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      recovered = await api('GET', '/api/scheduling/counselors');
    }
    expect(recovered.status).toBe(200);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it('answers 503 too when the database host goes silent (connections open, nothing answered), and recovers', async () => {
    proxy.stall();
    const answer = await api('GET', '/api/scheduling/bookings');
    expect([answer.status, answer.body.error?.code]).toEqual([503, 'unavailable']);
    expect(await ask(room.client, 'room:leave', {})).toMatchObject({ ok: true });
    expect(await ask(room.client, 'room:join', { sessionId: room.appointmentId })).toMatchObject({ ok: true });

    await proxy.cut();
    await proxy.restore();
    let recovered = await api('GET', '/api/scheduling/bookings');
    for (let attempt = 0; recovered.status !== 200 && attempt < 120; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      recovered = await api('GET', '/api/scheduling/bookings');
    }
    expect(recovered.status).toBe(200);
  });
});
