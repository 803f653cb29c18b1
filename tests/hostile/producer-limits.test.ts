import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audioParameters, pairInRoom, ProtocolPeer, videoParameters, type Answer } from '../support/protocol-peer.js';
import { growth, rateLimitedCounts } from '../support/rate-limit-metrics.js';
import { login, startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * A modified client asking the SFU for more than a participant sends: many
 * microphones or cameras at once, or media on the receive transport. One
 * producer per source (microphone, camera) is claimed before the worker is
 * asked, so requests arriving together cannot all pass.
 */

const [counselor, asn] = demoAccounts;
let t: TestPlatform;
let member: ProtocolPeer;
let host: ProtocolPeer;

beforeAll(async () => {
  t = await startTestPlatform();
  const appointment = await t.platform.db.appointments.findOne({});
  const sessionId = String(appointment?._id);
  ({ host, member } = await pairInRoom(t, sessionId, counselor, asn));
  for (const direction of ['send', 'recv'] as const) {
    member.transports[direction] = (await member.data<{ id: string }>('room:create-transport', { direction })).id;
  }
});

afterAll(async () => {
  host?.close();
  member?.close();
  await t?.close();
});

const limited = (a: Answer) => !a.ok && a.error.code === 'rate_limited';

describe('producers per source', () => {
  it('twenty microphones at once: one is made, nineteen refused rate_limited and counted', async () => {
    const before = await rateLimitedCounts(t.url);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => member.request('room:produce', { transportId: member.transports.send, kind: 'audio', rtpParameters: audioParameters(5000 + i, member.joined?.routerRtpCapabilities) })),
    );
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    expect(answers.filter(limited)).toHaveLength(19);
    expect(growth(before, await rateLimitedCounts(t.url))).toEqual({ transport: 19, 'transport/limit': 19 });
    const room = t.platform.media.get(member.joined?.roomId ?? '');
    expect([...(room?.producers() ?? [])].filter((p) => p.peerId === member.joined?.peerId).map((p) => p.producer.kind)).toEqual(['audio']);
  });

  it('the camera is its own source: one is made, a second is refused; nothing is sent on the receive transport', async () => {
    const first = await member.request('room:produce', { transportId: member.transports.send, kind: 'video', rtpParameters: videoParameters(6000) });
    expect(first.ok).toBe(true);
    const second = await member.request('room:produce', { transportId: member.transports.send, kind: 'video', rtpParameters: videoParameters(7000) });
    expect(limited(second)).toBe(true);
    const wrongWay = await member.request('room:produce', { transportId: member.transports.recv, kind: 'video', rtpParameters: videoParameters(8000) });
    expect(wrongWay.ok ? 'made' : wrongWay.error.code).toBe('invalid_payload');
    const room = t.platform.media.get(member.joined?.roomId ?? '');
    expect([...(room?.producers() ?? [])].filter((p) => p.peerId === member.joined?.peerId).map((p) => p.producer.appData.source).sort()).toEqual(['camera', 'microphone']);
  });

  it('after a reconnect the person is a new peer with its own places: the honest client sends both again', async () => {
    const previous = member.joined?.peerId;
    member.close();
    member = await ProtocolPeer.open(t.url, await login(t.url, asn.email, asn.password));
    const rejoined = await member.join(String((await t.platform.db.appointments.findOne({}))?._id));
    expect(rejoined.peerId).not.toBe(previous);
    await member.sendMedia(9000);
    expect(member.refused()).toEqual([]);
    const room = t.platform.media.get(rejoined.roomId);
    expect([...(room?.producers() ?? [])].filter((p) => p.peerId === rejoined.peerId).map((p) => p.producer.kind).sort()).toEqual(['audio', 'video']);
  });
});
