import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolPeer, screenParameters, type Answer } from '../support/protocol-peer.js';
import { growth, rateLimitedCounts } from '../support/rate-limit-metrics.js';
import { login, nextEvent, startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * A modified client sharing its screen where it may not: in a circle only the
 * facilitator shares, and members the facilitator allows (issue 16). The
 * member here is a real socket.io-client connection with a real session
 * cookie, sending what a patched web app would; the SFU is the real worker.
 */

const [counselor, asn, , member, bystander] = demoAccounts;
let t: TestPlatform;
let meetingId: string;
let appointmentId: string;
const open: ProtocolPeer[] = [];

async function peer(account: { email: string; password: string }): Promise<ProtocolPeer> {
  const p = await ProtocolPeer.open(t.url, await login(t.url, account.email, account.password));
  open.push(p);
  return p;
}

/** Knocks, is admitted by the host, joins, and sends a microphone and camera like the web app. */
async function admitted(host: ProtocolPeer, account: { email: string; password: string }, sessionId: string, ssrc: number): Promise<ProtocolPeer> {
  const p = await peer(account);
  const letIn = nextEvent(p.socket, 'lobby:admitted');
  await p.data('lobby:knock', { sessionId });
  const userId = String((await t.platform.db.users.findOne({ email: account.email }))?._id);
  await host.data('lobby:admit', { sessionId, userId });
  await letIn;
  await p.join(sessionId);
  await p.sendMedia(ssrc);
  return p;
}

function shareScreen(p: ProtocolPeer, ssrc: number): Promise<Answer<{ producerId: string }>> {
  return p.request('room:produce', { transportId: p.transports.send, kind: 'video', rtpParameters: screenParameters(ssrc), source: 'screen' });
}

/** The sources a peer sends at the SFU now (closed producers are gone from the room). */
function sourcesAtSfu(p: ProtocolPeer): string[] {
  const room = t.platform.media.get(p.joined?.roomId ?? '');
  return [...(room?.producers() ?? [])]
    .filter(({ peerId, producer }) => peerId === p.joined?.peerId && !producer.closed)
    .map(({ producer }) => String(producer.appData.source))
    .sort();
}

/** Screen consumers the server asked `p` to take (`room:consume`), and which of them it said were closed. */
function screenConsumers(p: ProtocolPeer): { announced: Map<string, string>; closed: Set<string> } {
  const announced = new Map<string, string>();
  const closed = new Set<string>();
  // Seen beside ProtocolPeer's own listener, which answers the request.
  p.socket.on('room:consume', ({ consumerId, peerId, source }) => {
    if (source === 'screen') announced.set(consumerId, peerId);
  });
  p.socket.on('room:consumer-closed', ({ consumerId }) => void closed.add(consumerId));
  return { announced, closed };
}

const code = (a: Answer) => (a.ok ? 'ok' : a.error.code);

beforeAll(async () => {
  t = await startTestPlatform();
  meetingId = String((await t.platform.db.connection.collection('circle_meetings').findOne({}))?._id);
  appointmentId = String((await t.platform.db.appointments.findOne({}))?._id);
});

afterAll(async () => {
  for (const p of open) p.close();
  await t?.close();
});

describe('screen share in a 1:1: both people may share without asking', () => {
  it('the client shares, stops (the counselor\'s consumer closes) and shares again; a stop with no share is harmless', async () => {
    const host = await peer(counselor);
    const hostSees = screenConsumers(host);
    await host.join(appointmentId, { audio: true, video: true });
    await host.sendMedia(8000);
    const client = await admitted(host, asn, appointmentId, 9000);

    expect(code(await client.request('room:stop-share', {}))).toBe('ok');
    expect(code(await shareScreen(client, 9100))).toBe('ok');
    await expect.poll(() => hostSees.announced.size).toBe(1);
    expect(code(await client.request('room:stop-share', {}))).toBe('ok');
    expect(sourcesAtSfu(client)).toEqual(['camera', 'microphone']);
    await expect.poll(() => [...hostSees.announced.keys()].every((id) => hostSees.closed.has(id))).toBe(true);
    // The place is free again: sharing once more is an honest thing to do.
    expect(code(await shareScreen(client, 9200))).toBe('ok');
    expect(sourcesAtSfu(client)).toEqual(['camera', 'microphone', 'screen']);
    // The counselor can still stop it, as a facilitator can.
    expect(code(await host.request('room:allow-share', { peerId: client.joined?.peerId, allowed: false }))).toBe('ok');
    expect(sourcesAtSfu(client)).toEqual(['camera', 'microphone']);
  });
});

describe('screen share in a circle: the facilitator decides who shares', () => {
  let host: ProtocolPeer;
  let hostSees: ReturnType<typeof screenConsumers>;
  let sharer: ProtocolPeer;
  let other: ProtocolPeer;

  beforeAll(async () => {
    host = await peer(counselor);
    hostSees = screenConsumers(host);
    await host.join(meetingId);
    await host.sendMedia(1000);
    sharer = await admitted(host, member, meetingId, 2000);
    other = await admitted(host, bystander, meetingId, 3000);
  });

  it('a member not allowed asks the SFU for a screen producer: refused `forbidden`, nothing made, nothing forwarded', async () => {
    expect(code(await shareScreen(sharer, 4000))).toBe('forbidden');
    // Naming the screen on an audio track, or a source that does not exist, is no way round it.
    expect(code(await sharer.request('room:produce', { transportId: sharer.transports.send, kind: 'audio', rtpParameters: screenParameters(4100), source: 'screen' }))).toBe('forbidden');
    expect(code(await sharer.request('room:produce', { transportId: sharer.transports.send, kind: 'video', rtpParameters: screenParameters(4200), source: 'projector' }))).toBe('invalid_payload');
    expect(sourcesAtSfu(sharer)).toEqual(['camera', 'microphone']);
    expect(hostSees.announced.size).toBe(0);
  });

  it('a member cannot allow itself, or anyone: only the facilitator decides', async () => {
    expect(code(await sharer.request('room:allow-share', { peerId: sharer.joined?.peerId, allowed: true }))).toBe('forbidden');
    expect(code(await other.request('room:allow-share', { peerId: sharer.joined?.peerId, allowed: true }))).toBe('forbidden');
    expect(code(await shareScreen(sharer, 4300))).toBe('forbidden');
    // The facilitator's own permission is not theirs to take, nor someone outside the room's to give.
    expect(code(await host.request('room:allow-share', { peerId: host.joined?.peerId, allowed: false }))).toBe('invalid_payload');
    expect(code(await host.request('room:allow-share', { peerId: crypto.randomUUID(), allowed: true }))).toBe('not_found');
  });

  it('allowed by the facilitator: everyone is told, the share is made and reaches the others as a screen; one at a time', async () => {
    const told = [sharer, other, host].map((p) => nextEvent<{ peerId: string; allowed: boolean }>(p.socket, 'room:share-permission'));
    expect(code(await host.request('room:allow-share', { peerId: sharer.joined?.peerId, allowed: true }))).toBe('ok');
    for (const notice of await Promise.all(told)) expect(notice).toEqual({ peerId: sharer.joined?.peerId, allowed: true });

    expect(code(await shareScreen(sharer, 5000))).toBe('ok');
    expect(sourcesAtSfu(sharer)).toEqual(['camera', 'microphone', 'screen']);
    await expect.poll(() => [...hostSees.announced.values()]).toEqual([sharer.joined?.peerId]);
    // A second screen beside the first: the source is taken.
    expect(code(await shareScreen(sharer, 5100))).toBe('rate_limited');
    // The member next to them was not allowed.
    expect(code(await shareScreen(other, 5200))).toBe('forbidden');
  });

  it('allowance withdrawn: the share is closed at the SFU at once, the others\' consumers close, a new try is refused', async () => {
    const room = t.platform.media.get(sharer.joined?.roomId ?? '');
    const screen = [...(room?.producers() ?? [])].find(({ producer }) => producer.appData.source === 'screen')?.producer;
    if (!screen) throw new Error('no screen producer to withdraw');
    const told = nextEvent<{ peerId: string; allowed: boolean }>(sharer.socket, 'room:share-permission');
    expect(code(await host.request('room:allow-share', { peerId: sharer.joined?.peerId, allowed: false }))).toBe('ok');
    expect(await told).toEqual({ peerId: sharer.joined?.peerId, allowed: false });
    expect(screen.closed).toBe(true);
    expect(sourcesAtSfu(sharer)).toEqual(['camera', 'microphone']);
    await expect.poll(() => [...hostSees.announced.keys()].every((id) => hostSees.closed.has(id))).toBe(true);
    expect(code(await shareScreen(sharer, 6000))).toBe('forbidden');
  });

  it('withdrawn while the worker is making the share: no share survives either order', async () => {
    for (let round = 0; round < 5; round++) {
      await host.data('room:allow-share', { peerId: sharer.joined?.peerId, allowed: true });
      const [shared, withdrawn] = await Promise.all([
        shareScreen(sharer, 7000 + round * 10),
        host.request('room:allow-share', { peerId: sharer.joined?.peerId, allowed: false }),
      ]);
      expect(code(withdrawn)).toBe('ok');
      expect(['ok', 'forbidden']).toContain(code(shared));
      expect(sourcesAtSfu(sharer)).toEqual(['camera', 'microphone']);
    }
  });

  it('allow and withdraw flooded by the facilitator: held to the moderation budget, counted', async () => {
    const before = await rateLimitedCounts(t.url);
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) => host.request('room:allow-share', { peerId: other.joined?.peerId, allowed: i % 2 === 0 })),
    );
    const refused = answers.filter((a) => code(a) === 'rate_limited').length;
    expect(refused).toBeGreaterThanOrEqual(40);
    expect(answers.filter((a) => a.ok).length + refused).toBe(100);
    expect(growth(before, await rateLimitedCounts(t.url)).moderation).toBe(refused);
  });
});
