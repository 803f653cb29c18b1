import { demoAccounts } from '@care/server';
import type { LobbyEntry } from '@care/shared';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startSmtpInbox, type SmtpInbox } from '../integration/reminders/smtp-inbox.js';
import { findLeaks, redisHaystacks, redisValueHaystacks } from '../support/byte-search.js';
import { ask, connect, login, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * A copy of Redis (a backup, a replica, a stolen dump) must not say who
 * waits for whom or who is in a session: no real name, no address — nor a
 * circle member's pseudonym — in any key or value while a lobby and a
 * session are live, 1:1 and in a circle. The lobby keeps account ids; the
 * host still sees names, looked up when shown. Mail goes through SMTP as in
 * production (the development outbox keeps a demo's mail in Redis on purpose).
 */

const [counselor, asn, , asn2, asn3, asn4] = demoAccounts;
/** The demo circle's members hold seats 1–4: these are the pseudonyms they appear under. */
const pseudonyms = ['Melati', 'Anggrek', 'Kenanga', 'Mawar'];

let inbox: SmtpInbox;
let t: TestPlatform;
const sockets: TestSocket[] = [];

async function socketOf(account: { email: string; password: string }): Promise<TestSocket> {
  const socket = await connect(t.url, await login(t.url, account.email, account.password));
  sockets.push(socket);
  return socket;
}

async function leaksInRedis(): Promise<string[]> {
  const needles = [
    ...demoAccounts.flatMap((a) => [
      { label: `name ${a.displayName}`, needle: Buffer.from(a.displayName) },
      { label: `email ${a.email}`, needle: Buffer.from(a.email) },
    ]),
    ...pseudonyms.map((p) => ({ label: `pseudonym ${p}`, needle: Buffer.from(p) })),
  ];
  const haystacks = [...(await redisHaystacks(t.platform.redis)), ...(await redisValueHaystacks(t.platform.redis))];
  expect(haystacks.length).toBeGreaterThan(0);
  return findLeaks(needles, haystacks);
}

beforeAll(async () => {
  inbox = await startSmtpInbox();
  // A Redis database of its own: the run's Redis is shared by every test file, and what other
  // platforms left there (a development outbox, say) is not this session's to answer for.
  t = await startTestPlatform({ SMTP_URL: inbox.url, REDIS_URL: `${inject('redisUrl').replace(/\/+$/, '')}/7` });
  await t.platform.redis.flushdb();
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await t?.close();
  await inbox?.close();
});

describe('no name, address or pseudonym in Redis while lobbies and sessions are live', () => {
  it('control: the scan finds a name where one is written, also inside a longer value Redis may compress', async () => {
    try {
      await t.platform.redis.hset('control:lobby', 'someone', JSON.stringify({ displayName: asn.displayName, since: new Date().toISOString(), padding: 'x'.repeat(200) }));
      await t.platform.redis.set('control:pseudonym', `${'y'.repeat(100)}${pseudonyms[0]}${'y'.repeat(100)}`);
      expect(await leaksInRedis()).toEqual(
        expect.arrayContaining([
          `name ${asn.displayName} found in redis control:lobby (hash)`,
          `pseudonym ${pseudonyms[0]} found in redis control:pseudonym (string)`,
        ]),
      );
    } finally {
      await t.platform.redis.del('control:lobby', 'control:pseudonym');
    }
  });

  it('a 1:1 session: waiting in the lobby, then in the room; the counselor still sees the client by name', async () => {
    const host = await socketOf(counselor);
    const client = await socketOf(asn);
    const appointments = (await (await fetch(`${t.url}/api/appointments`, { headers: { cookie: await login(t.url, asn.email, asn.password) } })).json()) as {
      data: Array<{ id: string; client: { id: string } }>;
    };
    const appointment = appointments.data[0]!;
    expect(await ask(host, 'room:join', { sessionId: appointment.id })).toMatchObject({ ok: true });
    const knocked = nextEvent<LobbyEntry>(host, 'lobby:knock');
    expect(await ask(client, 'lobby:knock', { sessionId: appointment.id })).toMatchObject({ ok: true, data: { admitted: false } });
    expect(await knocked).toMatchObject({ userId: appointment.client.id, displayName: asn.displayName });
    expect(await ask(host, 'lobby:watch', { sessionId: appointment.id })).toMatchObject({
      ok: true,
      data: [{ userId: appointment.client.id, displayName: asn.displayName }],
    });
    expect(await t.platform.redis.exists(`lobby:${appointment.id}:waiting`)).toBe(1);
    expect(await leaksInRedis()).toEqual([]);

    expect(await ask(host, 'lobby:admit', { sessionId: appointment.id, userId: appointment.client.id })).toMatchObject({ ok: true });
    expect(await ask(client, 'room:join', { sessionId: appointment.id })).toMatchObject({ ok: true });
    expect(await leaksInRedis()).toEqual([]);
  });

  it('a circle meeting: members waiting, then all in; the facilitator sees their pseudonyms', async () => {
    const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({});
    const sessionId = String(meeting?._id);
    const facilitator = await socketOf(counselor);
    expect(await ask(facilitator, 'room:join', { sessionId })).toMatchObject({ ok: true });
    const members = [await socketOf(asn), await socketOf(asn2), await socketOf(asn3), await socketOf(asn4)];
    for (const member of members) expect(await ask(member, 'lobby:knock', { sessionId })).toMatchObject({ ok: true, data: { admitted: false } });
    const waiting = (await ask(facilitator, 'lobby:watch', { sessionId })) as { ok: boolean; data: LobbyEntry[] };
    expect(waiting.data.map((e) => e.displayName).sort()).toEqual([...pseudonyms].sort());
    expect(await leaksInRedis()).toEqual([]);

    expect(await ask(facilitator, 'lobby:admit-all', { sessionId })).toMatchObject({ ok: true, data: { admitted: 4 } });
    for (const member of members) expect(await ask(member, 'room:join', { sessionId })).toMatchObject({ ok: true });
    expect(await leaksInRedis()).toEqual([]);
  });
});
