import { createHmac, randomBytes } from 'node:crypto';
import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolPeer, type Answer } from '../support/protocol-peer.js';
import { startTestPlatform, userIdOf, type TestPlatform } from '../support/test-platform.js';

/*
 * TURN credentials (issue 14, Deployment) open a relay that costs the
 * deployment bandwidth, so they go only to someone with a place in a
 * session — a peer in its room or prepared in its lobby — one with each of
 * its two transports. A modified client (a real socket.io connection with a
 * real session cookie) asking without a place, or asking for more
 * transports to collect more, gets none; what it does get expires, names
 * nobody, and never appears in the server's logs.
 */
const [counselor, asn, , stranger] = demoAccounts;
const SECRET = randomBytes(32).toString('base64');
const TTL_SECONDS = 3600;

let t: TestPlatform;
const peers: ProtocolPeer[] = [];
const open = (account: { email: string; password: string }) => ProtocolPeer.signIn(t.url, account, peers);

type IceServers = Array<{ urls: string[]; username: string; credential: string }>;
const iceServersIn = (peer: ProtocolPeer): IceServers[] =>
  peer.answers
    .filter(({ event }) => event === 'room:create-transport')
    .map(({ answer }) => (answer.ok ? ((answer.data as { iceServers?: IceServers }).iceServers ?? []) : []));
const code = (answer: Answer) => (answer.ok ? 'ok' : answer.error.code);

beforeAll(async () => {
  t = await startTestPlatform({ TURN_URLS: 'turn:turn.care.test:3478?transport=udp,turns:turn.care.test:5349?transport=tcp', TURN_SECRET: SECRET, TURN_TTL_SECONDS: String(TTL_SECONDS) });
});

afterAll(async () => {
  for (const peer of peers) peer.close();
  await t?.close();
});

describe('TURN credentials', () => {
  it('go to nobody without a place in a session', async () => {
    if (!stranger) throw new Error('demo account missing');
    const outsider = await open(stranger);
    for (const direction of ['send', 'recv'] as const) {
      expect(code(await outsider.request('room:create-transport', { direction }))).toBe('not_in_room');
    }
    expect(iceServersIn(outsider).flat()).toEqual([]);
  });

  it('come one with each transport of a peer in the room: valid for coturn, expiring, naming nobody; no more by asking again', async () => {
    const appointment = await t.platform.db.connection.collection('appointments').findOne({});
    const host = await open(counselor);
    const before = Math.floor(Date.now() / 1000);
    await host.join(String(appointment?._id), { audio: true, video: true });
    await host.sendMedia(5000);

    const issued = iceServersIn(host);
    expect(issued).toHaveLength(2);
    const usernames = new Set<string>();
    for (const servers of issued) {
      expect(servers).toHaveLength(1);
      const [server] = servers;
      if (!server) throw new Error('no TURN server');
      expect(server.urls).toEqual(['turn:turn.care.test:3478?transport=udp', 'turns:turn.care.test:5349?transport=tcp']);
      const [expiry, opaque, ...extra] = server.username.split(':');
      expect(extra).toEqual([]);
      expect(Number(expiry)).toBeGreaterThanOrEqual(before + TTL_SECONDS);
      expect(Number(expiry)).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + TTL_SECONDS);
      // What coturn (use-auth-secret, static-auth-secret = TURN_SECRET) computes to let it in.
      expect(server.credential).toBe(createHmac('sha1', SECRET).update(server.username).digest('base64'));
      for (const personal of [await userIdOf(t, counselor.email), counselor.email, counselor.displayName]) expect(opaque).not.toContain(personal);
      usernames.add(server.username);
    }
    expect(usernames.size).toBe(2);

    // A third transport, to collect a third credential: refused, and nothing issued.
    for (const direction of ['send', 'recv'] as const) {
      expect(code(await host.request('room:create-transport', { direction }))).not.toBe('ok');
    }
    expect(iceServersIn(host).flat()).toHaveLength(2);

    // The secret and the credentials stay out of every log line.
    const logs = t.logs.join('');
    expect(logs).not.toContain(SECRET);
    for (const servers of issued) for (const server of servers) expect(logs).not.toContain(server.credential);
  });

  it('leave an honest client in the lobby its two, like anyone', async () => {
    if (!asn) throw new Error('demo account missing');
    const appointment = await t.platform.db.connection.collection('appointments').findOne({});
    const client = await open(asn);
    expect(await client.data('lobby:knock', { sessionId: String(appointment?._id) })).toEqual({ admitted: false });
    await client.prepare(String(appointment?._id), { audio: true, video: false });
    await client.sendMedia(6000);
    expect(iceServersIn(client).map((servers) => servers.length)).toEqual([1, 1]);
  });
});
