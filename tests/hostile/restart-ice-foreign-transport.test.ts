import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolPeer } from '../support/protocol-peer.js';
import { login, nextEvent, startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * `room:restart-ice` hands out new ICE credentials for a transport. Asked
 * for someone else's transport it would let a modified client take over (or
 * cut) that person's media path: only one's own transports restart.
 */
const [counselor, asn] = demoAccounts;
let t: TestPlatform;
let host: ProtocolPeer;
let client: ProtocolPeer;

beforeAll(async () => {
  t = await startTestPlatform();
  const sessionId = String((await t.platform.db.connection.collection('appointments').findOne({}))?._id);
  host = await ProtocolPeer.open(t.url, await login(t.url, counselor.email, counselor.password));
  client = await ProtocolPeer.open(t.url, await login(t.url, asn.email, asn.password));
  await host.join(sessionId);
  await host.sendMedia(1000);
  await client.request('lobby:knock', { sessionId });
  const admitted = nextEvent(client.socket, 'lobby:admitted');
  await host.request('lobby:admit', { sessionId, userId: String((await t.platform.db.connection.collection('users').findOne({ email: asn.email }))?._id) });
  await admitted;
  await client.join(sessionId);
  await client.sendMedia(2000);
});

afterAll(async () => {
  host?.close();
  client?.close();
  await t?.close();
});

describe('ICE restart of a transport that is not one\'s own', () => {
  it('is refused for the other person\'s transports and unknown ids; the other person\'s credentials do not change', async () => {
    const room = t.platform.media.get(String((await t.platform.db.connection.collection('appointments').findOne({}))?.roomId));
    const hostPeer = room?.peer(host.joined?.peerId ?? '');
    const ufragsBefore = [...(hostPeer?.transports.values() ?? [])].map((transport) => transport.iceParameters.usernameFragment);
    expect(ufragsBefore).toHaveLength(2);
    for (const transportId of [host.transports.send, host.transports.recv, crypto.randomUUID()]) {
      const answer = await client.request('room:restart-ice', { transportId });
      expect(answer.ok ? 'restarted' : answer.error.code).toBe('not_found');
    }
    expect([...(hostPeer?.transports.values() ?? [])].map((transport) => transport.iceParameters.usernameFragment)).toEqual(ufragsBefore);
    // One's own still restarts.
    expect((await client.request('room:restart-ice', { transportId: client.transports.send })).ok).toBe(true);
  });

  it('is refused outside a room', async () => {
    const outsider = await ProtocolPeer.open(t.url, await login(t.url, demoAccounts[3].email, demoAccounts[3].password));
    try {
      const answer = await outsider.request('room:restart-ice', { transportId: host.transports.send });
      expect(answer.ok ? 'restarted' : answer.error.code).toBe('not_in_room');
    } finally {
      outsider.close();
    }
  });
});
