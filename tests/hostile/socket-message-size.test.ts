import { MAX_SOCKET_PACKET_BYTES } from '@care/server';
import { MLS_MAX_HANDSHAKE } from '@care/shared';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, enterRoomTogether, startTestPlatform, type RoomPair, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * The schemas allow MLS commits and Welcomes up to MLS_MAX_HANDSHAKE; the
 * Socket.IO packet limit is derived from it, so the largest request the
 * schema allows arrives whole (over WebSocket, and base64 over long-polling)
 * and gets a typed answer. Only a packet no request may carry ends the
 * connection, and only that one. (A 20-member add needs far less: about
 * 0.6 kB of commit and 6 kB of Welcome, measured with web/src/lib/e2ee/mls.)
 */

type Answer = { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } };
let t: TestPlatform;
let pair: RoomPair;
/** The counselor again, on long-polling: its join takes over the WebSocket connection's place in the room. */
let polling: TestSocket;
const opened: TestSocket[] = [];

beforeAll(async () => {
  t = await startTestPlatform();
  pair = await enterRoomTogether(t);
  opened.push(pair.host, pair.client);
});

afterAll(async () => {
  for (const socket of opened) socket.close();
  await t?.close();
});

const bytes = (n: number) => new Uint8Array(n).fill(7);

/** The largest commit and Welcome the schema allows; not a real commit, so judged by its framing and refused, never forwarded. */
const largestCommit = () => ({ commit: bytes(MLS_MAX_HANDSHAKE), welcome: bytes(MLS_MAX_HANDSHAKE) });

function expectTypedAnswer(answer: Answer): void {
  if (!answer.ok) expect(answer.error.code).not.toBe('internal');
  else expect(answer.data).toMatchObject({ accepted: false });
}

describe('large socket messages', () => {
  it('the largest commit and Welcome the schema allows arrive over WebSocket and are answered', async () => {
    expectTypedAnswer((await ask(pair.host, 'mls:commit', largestCommit())) as Answer);
    const over = (await ask(pair.host, 'mls:commit', { commit: bytes(MLS_MAX_HANDSHAKE + 1) })) as Answer;
    expect(over.ok ? 'accepted' : over.error.code).toBe('invalid_payload');
    expect(pair.host.connected).toBe(true);
  });

  it('and over long-polling, where binary travels as base64', async () => {
    const cookie = (pair.host.io.opts.extraHeaders as Record<string, string>).cookie ?? '';
    polling = io(t.url, { transports: ['polling'], extraHeaders: { cookie }, reconnection: false, forceNew: true });
    opened.push(polling);
    await new Promise<void>((resolve, reject) => {
      polling.once('connect', resolve);
      polling.once('connect_error', reject);
    });
    expect(polling.io.engine.transport.name).toBe('polling');
    const joined = (await ask(polling, 'room:join', { sessionId: pair.appointmentId })) as Answer;
    expect(joined.ok).toBe(true);
    expectTypedAnswer((await ask(polling, 'mls:commit', largestCommit())) as Answer);
    expect(polling.connected).toBe(true);
  });

  it('a packet beyond what any request may carry ends that connection only', async () => {
    const closed = new Promise<string>((resolve) => pair.client.once('disconnect', resolve));
    (pair.client as unknown as { emit(event: string, payload: unknown): void }).emit('mls:commit', { commit: bytes(MAX_SOCKET_PACKET_BYTES + 1) });
    expect(await closed).toMatch(/transport (close|error)/);
    expect(polling.connected).toBe(true);
    expect(((await ask(polling, 'room:request-key-frame', {})) as Answer).ok).toBe(true);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
