import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioParameters, dtlsParameters, pairInRoom, ProtocolPeer, videoParameters } from '../support/protocol-peer.js';
import { login, startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * One consumer per producer and receiver, whatever arrives together. A
 * modified client that says `room:ready` again and again, or a producer made
 * at the very moment a receiver becomes ready (people joining a circle at
 * once: tests/integration/honest-budgets.test.ts once ended with 41 consumers
 * where 40 belong), must not make the SFU forward the same media twice. The
 * receiver claims a producer before the worker is asked (media/src/peer.ts).
 */
const [counselor, asn] = demoAccounts;
let t: TestPlatform;
let host: ProtocolPeer;
let member: ProtocolPeer;
let sessionId: string;

beforeAll(async () => {
  t = await startTestPlatform();
  sessionId = String((await t.platform.db.appointments.findOne({}))?._id);
  ({ host, member } = await pairInRoom(t, sessionId, counselor, asn));
});

afterAll(async () => {
  host?.close();
  member?.close();
  await t?.close();
});

/** The consumers the SFU holds for a peer, by the producer they forward. */
function consumedProducers(peer: ProtocolPeer): string[] {
  const room = t.platform.media.get(peer.joined?.roomId ?? '');
  return [...(room?.peer(peer.joined?.peerId ?? '').consumers.values() ?? [])].map((c) => c.producerId).sort();
}

describe('one consumer per producer', () => {
  it('ten `room:ready` at once, the host already sending: one consumer per producer, not ten', async () => {
    for (const peer of [host, member]) {
      for (const direction of ['send', 'recv'] as const) peer.transports[direction] = (await peer.data<{ id: string }>('room:create-transport', { direction })).id;
      for (const direction of ['send', 'recv'] as const) await peer.data('room:connect-transport', { transportId: peer.transports[direction], dtlsParameters });
    }
    await host.data('room:produce', { transportId: host.transports.send, kind: 'audio', rtpParameters: audioParameters(1000, host.joined?.routerRtpCapabilities) });
    await host.data('room:produce', { transportId: host.transports.send, kind: 'video', rtpParameters: videoParameters(1010) });
    const answers = await Promise.all(Array.from({ length: 10 }, () => member.request('room:ready', { rtpCapabilities: member.joined?.routerRtpCapabilities })));
    expect(answers.every((a) => a.ok)).toBe(true);
    const room = t.platform.media.get(host.joined?.roomId ?? '');
    const hostProducers = [...(room?.producers() ?? [])].filter((p) => p.peerId === host.joined?.peerId).map((p) => p.producer.id).sort();
    expect(hostProducers).toHaveLength(2);
    await expect.poll(() => member.consumers.size, { timeout: 10_000 }).toBe(2);
    expect(consumedProducers(member)).toEqual(hostProducers);
  });

  it('saying ready again later makes nothing new', async () => {
    for (let i = 0; i < 5; i++) expect((await member.request('room:ready', { rtpCapabilities: member.joined?.routerRtpCapabilities })).ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(member.consumers.size).toBe(2);
    expect(consumedProducers(member)).toHaveLength(2);
  });

  it('the host comes back as a new peer and produces while the member says ready again: one consumer each', async () => {
    host.close();
    await expect.poll(() => consumedProducers(member).length, { timeout: 10_000 }).toBe(0);
    host = await ProtocolPeer.open(t.url, await login(t.url, counselor.email, counselor.password));
    await host.join(sessionId);
    for (const direction of ['send', 'recv'] as const) host.transports[direction] = (await host.data<{ id: string }>('room:create-transport', { direction })).id;
    await host.data('room:connect-transport', { transportId: host.transports.send, dtlsParameters });
    // The race people joining at once can run: a new producer, and a receiver becoming ready, together.
    const answers = await Promise.all([
      host.request('room:produce', { transportId: host.transports.send, kind: 'audio', rtpParameters: audioParameters(2000, host.joined?.routerRtpCapabilities) }),
      ...Array.from({ length: 4 }, () => member.request('room:ready', { rtpCapabilities: member.joined?.routerRtpCapabilities })),
      host.request('room:produce', { transportId: host.transports.send, kind: 'video', rtpParameters: videoParameters(2010) }),
    ]);
    expect(answers.every((a) => a.ok)).toBe(true);
    await expect.poll(() => consumedProducers(member).length, { timeout: 10_000 }).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(consumedProducers(member)).toHaveLength(2);
    expect(member.refused()).toEqual([]);
  });
});
