import { randomBytes } from 'node:crypto';
import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolPeer, type Answer } from '../support/protocol-peer.js';
import { login, startTestPlatform, userIdOf, type TestPlatform } from '../support/test-platform.js';

/*
 * Two signal nodes of one deployment (the same database and Redis). A 1:1's
 * room is served by the node its counselor joined on. A page that reaches
 * the other node — a balancer that ignores the socket's route, or a client
 * that picks its node on purpose — is refused a seat there ('wrong_node')
 * before that node makes anything for it: no peer, no media, no KeyPackage
 * held, so it cannot sit alone in a room of its own and the room cannot be
 * split between two rosters and two MLS deliveries. Someone who may not
 * enter at all hears only that (the node that serves a room is not told to
 * outsiders), and nobody outside the room can claim it for a node. Once the
 * serving node stops, the other may serve the room at once.
 */

const [counselor, asn] = demoAccounts;
const otherAsn = demoAccounts.find((account) => account.email.startsWith('asn2'));
let a: TestPlatform;
let b: TestPlatform;
let sessionId: string;
let roomId: string;
let aStopped = false;
const peers: ProtocolPeer[] = [];
const code = (answer: Answer) => (answer.ok ? 'ok' : answer.error.code);
const on = async (t: TestPlatform, account: { email: string; password: string }) => {
  const peer = await ProtocolPeer.open(t.url, await login(t.url, account.email, account.password));
  peers.push(peer);
  return peer;
};

beforeAll(async () => {
  const keys = { RATE_LIMIT_KEY: randomBytes(32).toString('base64'), TOTP_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
  a = await startTestPlatform(keys);
  b = await startTestPlatform({ ...keys, MONGODB_DB: a.dbName, SEED_DEMO: 'false' });
  const cookie = await login(a.url, asn?.email ?? '', asn?.password ?? '');
  const list = (await (await fetch(`${a.url}/api/appointments`, { headers: { cookie } })).json()) as { data: Array<{ id: string }> };
  sessionId = list.data[0]?.id ?? '';
  expect(sessionId).not.toBe('');
}, 120_000);

afterAll(async () => {
  for (const peer of peers) peer.close();
  // The database is a's; b's connection drops it when a has stopped already.
  await b?.platform.db.connection.dropDatabase().catch(() => undefined);
  await b?.close();
  if (!aStopped) await a?.platform.close();
});

describe('a seat on a node that does not serve the room', () => {
  it('is refused before anything is made for it, to the counselor and the client alike', async () => {
    const host = await on(a, counselor ?? { email: '', password: '' });
    roomId = (await host.join(sessionId)).roomId;
    expect(a.platform.live.serving.holds(roomId)).toBe(true);

    // The client on the other node: the lobby works across nodes (Redis), a seat does not.
    const client = await on(b, asn ?? { email: '', password: '' });
    expect(await client.data('lobby:knock', { sessionId })).toEqual({ admitted: false });
    expect(code(await client.request('room:prepare', { sessionId, sending: { audio: true, video: true } }))).toBe('wrong_node');
    expect(b.platform.live.rooms.hasAnyoneIn(roomId)).toBe(false);
    expect(b.platform.mediaRooms.get(roomId)).toBeUndefined();
    expect(b.platform.live.serving.holds(roomId)).toBe(false);
    // Admitted, still not there.
    await host.data('lobby:admit', { sessionId, userId: await userIdOf(a, asn?.email ?? '') });
    expect(code(await client.request('room:join', { sessionId }))).toBe('wrong_node');
    expect(b.platform.live.rooms.hasAnyoneIn(roomId)).toBe(false);
    expect(b.platform.mediaRooms.get(roomId)).toBeUndefined();
    // A second counselor tab on the other node cannot open a room of its own there either.
    const hostElsewhere = await on(b, counselor ?? { email: '', password: '' });
    expect(code(await hostElsewhere.request('room:join', { sessionId }))).toBe('wrong_node');
    expect(b.platform.mediaRooms.get(roomId)).toBeUndefined();

    // On the serving node the client takes its seat beside the counselor.
    const back = await on(a, asn ?? { email: '', password: '' });
    const joined = await back.join(sessionId);
    expect(joined.roomId).toBe(roomId);
    expect(joined.peers.map((peer) => peer.host)).toEqual([true]);
    expect(a.platform.live.rooms.peersIn(roomId)).toHaveLength(2);
  });

  it('tells someone who may not enter only that, and lets no outsider claim a room for a node', async () => {
    const outsider = await on(b, otherAsn ?? { email: '', password: '' });
    for (const event of ['room:prepare', 'room:join'] as const) {
      const answer = await outsider.request(event, { sessionId, sending: { audio: true, video: false } });
      expect(code(answer)).not.toBe('ok');
      expect(code(answer)).not.toBe('wrong_node');
    }
    // Nor a session that does not exist, nor one the outsider is not in, gets a claim written for it.
    const before = await a.platform.redis.keys('live:serving:*');
    await outsider.request('room:join', { sessionId: 'a'.repeat(24) });
    await outsider.request('room:prepare', { sessionId: 'f'.repeat(24), sending: { audio: true, video: false } });
    expect((await a.platform.redis.keys('live:serving:*')).sort()).toEqual(before.sort());
  });

  it('passes to the other node as soon as the serving node stops', async () => {
    for (const peer of peers.splice(0)) peer.close();
    aStopped = true;
    await a.platform.close();
    const host = await on(b, counselor ?? { email: '', password: '' });
    expect((await host.join(sessionId)).roomId).toBe(roomId);
    expect(b.platform.live.serving.holds(roomId)).toBe(true);
  });
});
