import { AUDIO_LEVEL_EXTENSION } from '@care/media';
import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, connect, enterRoomTogether, login, startTestPlatform, type RoomPair, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * A modified client in a 1:1 session that sends its audio with the
 * audio-level header extension (whose level byte travels in the clear, so the
 * SFU and anyone on the path could follow the conversation), or with DTX on.
 * It is a real Socket.IO connection with a real session cookie, admitted to
 * the room, producing on a real mediasoup transport: the SFU refuses the
 * producer with a typed error. A circle accepts the same producer, since its
 * active speaker is picked from that extension.
 */

type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

const MID_EXTENSION = 'urn:ietf:params:rtp-hdrext:sdes:mid';

function audioParameters(options: { level?: boolean; opus?: Record<string, number> } = {}): unknown {
  return {
    mid: '0',
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { minptime: 10, useinbandfec: 1, ...options.opus }, rtcpFeedback: [] }],
    headerExtensions: [{ uri: MID_EXTENSION, id: 4 }, ...(options.level ? [{ uri: AUDIO_LEVEL_EXTENSION, id: 1 }] : [])],
    encodings: [{ ssrc: 22_222_222 }],
    rtcp: { cname: 'modified-client' },
  };
}

async function sendTransport(socket: TestSocket): Promise<string> {
  const created = (await ask(socket, 'room:create-transport', { direction: 'send' })) as Ack<{ id: string }>;
  if (!created.ok) throw new Error(created.error.message);
  return created.data.id;
}

let t: TestPlatform;
let pair: RoomPair;

beforeAll(async () => {
  t = await startTestPlatform();
  pair = await enterRoomTogether(t);
});

afterAll(async () => {
  pair?.host.close();
  pair?.client.close();
  await t?.close();
});

describe('audio levels in a 1:1 session, from a modified client', () => {
  it('the room never offers the extension to negotiate', () => {
    for (const joined of [pair.hostJoin, pair.clientJoin]) {
      const { routerRtpCapabilities } = joined as { routerRtpCapabilities: { headerExtensions: Array<{ uri: string }> } };
      expect(routerRtpCapabilities.headerExtensions.map((e) => e.uri)).not.toContain(AUDIO_LEVEL_EXTENSION);
    }
  });

  it('refuses audio that carries the level extension, or DTX, with invalid_payload; takes the honest shape', async () => {
    const transportId = await sendTransport(pair.client);
    const withLevel = (await ask(pair.client, 'room:produce', { transportId, kind: 'audio', rtpParameters: audioParameters({ level: true }) })) as Ack;
    expect(withLevel.ok).toBe(false);
    if (!withLevel.ok) {
      expect(withLevel.error.code).toBe('invalid_payload');
      expect(withLevel.error.message).toMatch(/audio levels/);
    }
    const withDtx = (await ask(pair.client, 'room:produce', { transportId, kind: 'audio', rtpParameters: audioParameters({ opus: { usedtx: 1 } }) })) as Ack;
    expect(withDtx.ok).toBe(false);
    if (!withDtx.ok) expect(withDtx.error.code).toBe('invalid_payload');
    const variableRate = (await ask(pair.client, 'room:produce', { transportId, kind: 'audio', rtpParameters: audioParameters({ opus: { cbr: 0 } }) })) as Ack;
    expect(variableRate.ok).toBe(false);

    // Nothing of those exists on the SFU; the honest shape is taken.
    const room = t.platform.media.get((pair.hostJoin as { roomId: string }).roomId);
    expect([...(room?.producers() ?? [])]).toHaveLength(0);
    const honest = (await ask(pair.client, 'room:produce', { transportId, kind: 'audio', rtpParameters: audioParameters() })) as Ack<{ producerId: string }>;
    expect(honest.ok).toBe(true);
    expect([...(room?.producers() ?? [])].map((p) => p.producer.kind)).toEqual(['audio']);
    // The connection and the server carry on.
    expect(pair.client.connected).toBe(true);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('a circle takes the same audio with its level: the active speaker is picked from it', async () => {
    const [facilitator] = demoAccounts;
    if (!facilitator) throw new Error('no demo facilitator');
    const socket = await connect(t.url, await login(t.url, facilitator.email, facilitator.password));
    try {
      const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({});
      const joined = (await ask(socket, 'room:join', { sessionId: String(meeting?._id) })) as Ack<{ routerRtpCapabilities: { headerExtensions: Array<{ uri: string }> } }>;
      if (!joined.ok) throw new Error(joined.error.message);
      expect(joined.data.routerRtpCapabilities.headerExtensions.map((e) => e.uri)).toContain(AUDIO_LEVEL_EXTENSION);
      const transportId = await sendTransport(socket);
      const produced = (await ask(socket, 'room:produce', { transportId, kind: 'audio', rtpParameters: audioParameters({ level: true, opus: { usedtx: 1 } }) })) as Ack;
      expect(produced.ok).toBe(true);
    } finally {
      socket.close();
    }
  });
});
