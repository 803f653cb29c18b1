import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dtlsParameters, ProtocolPeer } from '../support/protocol-peer.js';
import { ask, connect, login, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * Each consumer is the server's request (`room:consume`), started by the
 * receiver's answer (issue 15: one round trip per consumer). A modified
 * client answers wrongly — something that is not an answer, an error, no
 * answer at all, two answers — and the server neither starts the consumer
 * nor keeps it waiting: it is closed and the client told; nothing crashes,
 * no error is logged, and the same client answering properly later gets its
 * media: its audio at once, its video once it says it holds the end-to-end
 * keys (`room:request-key-frame`), so the first key frame it gets is one it
 * can decrypt.
 */

const [counselor, asn] = demoAccounts;
let t: TestPlatform;
let host: ProtocolPeer;
let client: TestSocket;
let clientPeerId: string;
let capabilities: unknown;

type Answer = (response: unknown) => void;
/** How the modified client answers the server's next requests. */
let answering: (consumerId: string, answer: Answer) => void = () => undefined;
const asked: string[] = [];

beforeAll(async () => {
  t = await startTestPlatform();
  const sessionId = String((await t.platform.db.appointments.findOne({}))?._id);
  host = await ProtocolPeer.open(t.url, await login(t.url, counselor.email, counselor.password));
  await host.join(sessionId, { audio: true, video: true });
  await host.sendMedia(1000);
  client = await connect(t.url, await login(t.url, asn.email, asn.password));
  (client as unknown as { on(e: string, h: (p: { consumerId: string }, a: Answer) => void): void }).on('room:consume', ({ consumerId }, answer) => {
    asked.push(consumerId);
    answering(consumerId, answer);
  });
  const admitted = nextEvent(client, 'lobby:admitted');
  await ask(client, 'lobby:knock', { sessionId });
  await host.data('lobby:admit', { sessionId, userId: String((await t.platform.db.users.findOne({ email: asn.email }))?._id) });
  await admitted;
  const joined = (await ask(client, 'room:join', { sessionId })) as { data: { peerId: string; routerRtpCapabilities: unknown } };
  clientPeerId = joined.data.peerId;
  capabilities = joined.data.routerRtpCapabilities;
  const recv = (await ask(client, 'room:create-transport', { direction: 'recv' })) as { data: { id: string } };
  await ask(client, 'room:connect-transport', { transportId: recv.data.id, dtlsParameters });
});

afterAll(async () => {
  host?.close();
  client?.close();
  await t?.close();
});

const consumersOfClient = () => [...(t.platform.media.get(host.joined?.roomId ?? '')?.peer(clientPeerId).consumers.values() ?? [])];

/** Says the client is ready to receive: the server asks it for a consumer of each of the host's producers. */
async function ready(): Promise<void> {
  expect(((await ask(client, 'room:ready', { rtpCapabilities: capabilities })) as { ok: boolean }).ok).toBe(true);
}

const errorLines = () => t.logs.filter((line) => /"level":(50|60)/.test(line));

describe('answers to the server\'s consumer requests', () => {
  it('something that is not an answer, or an error: the consumer is closed, never started, and the client told', async () => {
    let turn = 0;
    answering = (_id, answer) => answer(turn++ === 0 ? { ok: 'yes', data: { resume: true } } : { ok: false, error: { code: 'unavailable', message: 'no' } });
    const closed = [nextEvent<{ consumerId: string }>(client, 'room:consumer-closed'), nextEvent<{ consumerId: string }>(client, 'room:consumer-closed')];
    asked.length = 0;
    await ready();
    await expect.poll(() => asked.length, { timeout: 10_000 }).toBe(2);
    await Promise.all(closed);
    await expect.poll(() => consumersOfClient().length, { timeout: 5000 }).toBe(0);
    expect(errorLines()).toEqual([]);
  });

  it('no answer at all: closed once the wait is over, so nothing is held for it', { timeout: 30_000 }, async () => {
    answering = () => undefined;
    asked.length = 0;
    await ready();
    await expect.poll(() => asked.length, { timeout: 10_000 }).toBe(2);
    // Paused while the server waits for an answer that does not come.
    expect(consumersOfClient().every((c) => c.paused)).toBe(true);
    await expect.poll(() => consumersOfClient().length, { timeout: 20_000, interval: 500 }).toBe(0);
    expect(errorLines()).toEqual([]);
  });

  it('two answers count as one; answering properly starts the consumers: audio at once, video once the keys are in', async () => {
    answering = (_id, answer) => {
      answer({ ok: true, data: {} });
      answer({ ok: false, error: { code: 'internal', message: 'second thoughts' } });
    };
    asked.length = 0;
    await ready();
    const running = () => consumersOfClient().filter((c) => !c.paused).map((c) => c.kind);
    await expect.poll(running, { timeout: 10_000 }).toEqual(['audio']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    // No video before the client can decrypt it: the key frame it would start from would be lost.
    expect(running()).toEqual(['audio']);
    expect(((await ask(client, 'room:request-key-frame', {})) as { ok: boolean }).ok).toBe(true);
    await expect.poll(() => running().sort(), { timeout: 10_000 }).toEqual(['audio', 'video']);
    // The honest host was never held up: it receives nothing yet (the client sends nothing), and its requests are answered.
    expect(host.refused()).toEqual([]);
    expect(errorLines()).toEqual([]);
  });
});
