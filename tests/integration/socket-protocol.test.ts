import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, connect, login, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

const [counselor, asn] = demoAccounts;
let t: TestPlatform;
let counselorCookie: string;
let asnCookie: string;
let appointmentId: string;
const sockets: TestSocket[] = [];

async function open(cookie: string): Promise<TestSocket> {
  const socket = await connect(t.url, cookie);
  sockets.push(socket);
  return socket;
}

beforeAll(async () => {
  t = await startTestPlatform();
  counselorCookie = await login(t.url, counselor.email, counselor.password);
  asnCookie = await login(t.url, asn.email, asn.password);
  const list = (await (await fetch(`${t.url}/api/appointments`, { headers: { cookie: asnCookie } })).json()) as {
    data: Array<{ id: string }>;
  };
  appointmentId = list.data[0]?.id ?? '';
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await t.close();
});

describe('Socket.IO protocol (real Redis, FerretDB, mediasoup)', () => {
  it('refuses a connection without a valid session', async () => {
    await expect(connect(t.url)).rejects.toThrow('unauthenticated');
    await expect(connect(t.url, 'care_session=forged')).rejects.toThrow('unauthenticated');
  });

  it('answers a malformed payload with an error ack naming the field, and stays up for everyone', async () => {
    const bad = await open(asnCookie);
    const other = await open(counselorCookie);

    const reply = (await ask(bad, 'lobby:knock', { sessionId: 'not-an-id' })) as {
      ok: boolean;
      error: { code: string; message: string; issues: Array<{ path: string }> };
    };
    expect(reply.ok).toBe(false);
    expect(reply.error.code).toBe('invalid_payload');
    expect(reply.error.message).toContain('lobby:knock');
    expect(reply.error.issues[0]?.path).toBe('sessionId');

    for (const payload of [null, 42, 'text', [], { sessionId: appointmentId, extra: true }]) {
      const r = (await ask(bad, 'lobby:knock', payload)) as { ok: boolean; error: { code: string } };
      expect(r.ok).toBe(false);
      expect(r.error.code).toBe('invalid_payload');
    }

    // Without an ack callback, the error still reaches the sender.
    const errorEvent = nextEvent<{ code: string }>(bad, 'app:error');
    (bad as unknown as { emit(e: string, p: unknown): void }).emit('mls:message', { message: 5 });
    expect((await errorEvent).code).toBe('invalid_payload');

    const unknown = (await ask(bad, 'room:explode', {})) as { ok: boolean; error: { message: string } };
    expect(unknown.ok).toBe(false);
    expect(unknown.error.message).toContain('unknown event');

    // The server and the other connection carry on.
    expect(bad.connected).toBe(true);
    const presence = (await ask(other, 'presence:subscribe', { userIds: [(await me(asnCookie)).id] })) as { ok: boolean };
    expect(presence.ok).toBe(true);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('keeps the client in the lobby until the counselor admits them; the URL alone does not let anyone in', async () => {
    const client = await open(asnCookie);
    const host = await open(counselorCookie);

    const early = (await ask(client, 'room:join', { sessionId: appointmentId })) as { ok: boolean; error: { code: string } };
    expect(early.ok).toBe(false);
    expect(early.error.code).toBe('not_admitted');

    const knocked = nextEvent<{ userId: string; displayName: string }>(host, 'lobby:knock');
    const knock = (await ask(client, 'lobby:knock', { sessionId: appointmentId })) as { ok: boolean; data: { admitted: boolean } };
    expect(knock).toEqual({ ok: true, data: { admitted: false } });
    expect((await knocked).displayName).toBe(asn.displayName);

    const waiting = (await ask(host, 'lobby:watch', { sessionId: appointmentId })) as { data: Array<{ userId: string }> };
    expect(waiting.data).toHaveLength(1);

    // Only the counselor admits.
    const selfAdmit = (await ask(client, 'lobby:admit', { sessionId: appointmentId, userId: waiting.data[0]?.userId })) as {
      ok: boolean;
      error: { code: string };
    };
    expect(selfAdmit.error.code).toBe('forbidden');

    const admitted = nextEvent<{ sessionId: string }>(client, 'lobby:admitted');
    expect(await ask(host, 'lobby:admit', { sessionId: appointmentId, userId: waiting.data[0]?.userId })).toEqual({ ok: true, data: {} });
    expect((await admitted).sessionId).toBe(appointmentId);

    const joined = (await ask(client, 'room:join', { sessionId: appointmentId })) as { ok: boolean; data: { peerId: string } };
    expect(joined.ok).toBe(true);
    await ask(client, 'room:leave', {});
  });

  it('lets only the counselor tell the waiting client they are running late', async () => {
    const client = await open(asnCookie);
    const host = await open(counselorCookie);
    const notice = nextEvent<{ sessionId: string; minutes: number }>(client, 'lobby:late');
    expect(await ask(host, 'lobby:late', { sessionId: appointmentId, minutes: 10 })).toEqual({ ok: true, data: {} });
    expect(await notice).toEqual({ sessionId: appointmentId, minutes: 10 });
    const byClient = (await ask(client, 'lobby:late', { sessionId: appointmentId, minutes: 10 })) as { error: { code: string } };
    expect(byClient.error.code).toBe('forbidden');
    const odd = (await ask(host, 'lobby:late', { sessionId: appointmentId, minutes: 7 })) as { error: { code: string; message: string } };
    expect(odd.error.code).toBe('invalid_payload');
  });

  it('shows the counselor online and offline to their client, through Redis presence', async () => {
    const client = await open(asnCookie);
    const counselorId = (await me(counselorCookie)).id;
    const first = (await ask(client, 'presence:subscribe', { userIds: [counselorId] })) as {
      data: Array<{ userId: string; online: boolean }>;
    };
    expect(first.data).toHaveLength(1);
    // Earlier tests' counselor sockets may still be open; close them all first.
    for (const s of sockets) if (s !== client) s.close();
    await new Promise((r) => setTimeout(r, 300));
    const stillOnline = (await ask(client, 'presence:subscribe', { userIds: [counselorId] })) as { data: Array<{ online: boolean }> };
    expect(stillOnline.data[0]?.online).toBe(false);

    const online = nextEvent<{ userId: string; online: boolean }>(client, 'presence:update');
    const host = await open(counselorCookie);
    expect(await online).toEqual({ userId: counselorId, online: true, status: 'online' });

    const offline = nextEvent<{ online: boolean; status: string }>(client, 'presence:update');
    host.close();
    expect(await offline).toMatchObject({ online: false, status: 'offline' });
  });

  it('does not reveal the presence of people one has no appointment with', async () => {
    const client = await open(asnCookie);
    const stranger = '0123456789abcdef01234567';
    const reply = (await ask(client, 'presence:subscribe', { userIds: [stranger] })) as { data: unknown[] };
    expect(reply.data).toEqual([]);
  });
});

async function me(cookie: string): Promise<{ id: string }> {
  return ((await (await fetch(`${t.url}/api/auth/me`, { headers: { cookie } })).json()) as { data: { id: string } }).data;
}
