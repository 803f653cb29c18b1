import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolPeer } from '../support/protocol-peer.js';
import { nextEvent, startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * A modified client that tries to make the SFU open pipes between workers
 * without bound: it joins a circle whose worker is full (so it is placed on
 * another worker and everything it receives and sends is piped), then leaves
 * and comes back, again and again, as fast as its budgets let it. Every pipe
 * is held by the consumers that need it and closes with the last of them
 * (media/src/pipe-ledger.ts), and a far router closes with its last
 * participant (media/src/room-routers.ts): the churn leaves no pipe, no
 * router and no consumer behind. Real socket.io-client connections with real
 * session cookies; the real worker, two of them, with a threshold of one
 * consumer (MEDIA_CONSUMERS_PER_WORKER) so a small circle spans both.
 */
const [counselor, , , member, churner] = demoAccounts;
// The join budget (request-budgets.ts: 8 joins and leaves a minute per person) is what a churner gets; four rounds fit in it.
const ROUNDS = 4;
let t: TestPlatform;
let meetingId: string;
const open: ProtocolPeer[] = [];

async function admitted(host: ProtocolPeer, account: { email: string; password: string }, ssrc: number): Promise<ProtocolPeer> {
  const p = await ProtocolPeer.signIn(t.url, account, open);
  const letIn = nextEvent(p.socket, 'lobby:admitted', 15_000);
  await p.data('lobby:knock', { sessionId: meetingId });
  const userId = String((await t.platform.db.users.findOne({ email: account.email }))?._id);
  await host.data('lobby:admit', { sessionId: meetingId, userId });
  await letIn;
  await p.join(meetingId);
  await p.sendMedia(ssrc);
  return p;
}

beforeAll(async () => {
  t = await startTestPlatform({ MEDIA_WORKERS: '2', MEDIA_CONSUMERS_PER_WORKER: '1' });
  meetingId = String((await t.platform.db.connection.collection('circle_meetings').findOne({}))?._id);
});

afterAll(async () => {
  for (const p of open) p.close();
  await t?.close();
});

describe('pipes between workers under join/leave churn', () => {
  it(`${ROUNDS} rounds of a member placed on the far worker joining with media and leaving: no pipe, router or consumer left behind`, async () => {
    const host = await ProtocolPeer.signIn(t.url, counselor, open);
    await host.join(meetingId);
    await host.sendMedia(1000);
    const stays = await admitted(host, member, 2000);
    // The facilitator and the member receive each other on the home worker: it is at the threshold now.
    await expect.poll(() => stays.consumers.size + host.consumers.size, { timeout: 15_000 }).toBe(4);
    const room = t.platform.media.get(host.joined?.roomId ?? '');
    if (!room) throw new Error('no media room');
    const [home, far] = t.platform.pool.running();
    if (!home || !far) throw new Error('two workers expected');
    const farBefore = { ...far.load };

    for (let round = 0; round < ROUNDS; round++) {
      const p = await admitted(host, churner, 3000 + round * 100);
      // Placed on the far worker, receiving both others' media across pipes, and sending its own back.
      expect(room.mediaRouterOf(p.joined?.peerId ?? '')).not.toBe(room.mediaRouter);
      await expect.poll(() => p.consumers.size, { timeout: 15_000 }).toBe(4);
      await expect.poll(() => host.consumers.size, { timeout: 15_000 }).toBe(4);
      expect(room.span.routers).toBe(2);
      // Four producers reach the far router, and the churner's two reach home: six pipes, whatever it asks.
      expect(room.span.pipes).toBe(6);
      // A second ready, as a modified client floods it: nothing new is piped.
      expect((await p.request('room:ready', { rtpCapabilities: p.joined?.routerRtpCapabilities })).ok).toBe(true);
      expect(room.span.pipes).toBe(6);
      const left = round % 2 === 0 ? p.request('room:leave', {}) : Promise.resolve(p.close());
      await left;
      await expect.poll(() => room.span, { timeout: 15_000 }).toEqual({ routers: 1, pipes: 0 });
      p.close();
    }

    // The far worker carries nothing of the room; the home worker exactly the two people's consumers.
    await expect.poll(() => ({ ...far.load }), { timeout: 10_000 }).toEqual(farBefore);
    expect(far.load).toEqual({ routers: 0, consumers: 0 });
    expect(home.load.consumers).toBe(4);
    // The closings reach the pages a moment after the SFU made them.
    await expect.poll(() => [stays.consumers.size, host.consumers.size], { timeout: 15_000 }).toEqual([2, 2]);
    expect([...open].flatMap((p) => p.failures())).toEqual([]);
  });
});
