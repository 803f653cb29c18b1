import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextKeyPackage, SocketMember } from '../support/mls-socket-member.js';
import { ProtocolPeer, type Answer } from '../support/protocol-peer.js';
import { nextEvent, startTestPlatform, userIdOf, type TestPlatform } from '../support/test-platform.js';

/*
 * Preparing in the lobby (issue 15) gives a waiting peer nothing of the
 * room. A modified client (a real socket.io connection with a real session
 * cookie) waiting, prepared — its peer, transports and producers on the
 * SFU, its KeyPackage with the server — tries to consume, produce into the
 * room, get a Welcome, chat, or see who is there: nothing. Refused (the room
 * locked), removed, locked out or never knocked, it cannot even prepare, and
 * what it had prepared is gone. It holds what any peer may hold, no more.
 */

const [facilitator] = demoAccounts;
const [m1, waiter, stranger, leaver] = demoAccounts.filter((a) => a.role === 'asn');
let t: TestPlatform;
let sessionId: string;
let host: ProtocolPeer;
let group: SocketMember;
let member: ProtocolPeer;
let waiting: ProtocolPeer;
/** Every room and MLS event the waiting peer was sent. */
const waitingSaw: string[] = [];
const peers: ProtocolPeer[] = [];

const open = (account: { email: string; password: string }) => ProtocolPeer.signIn(t.url, account, peers);

const userId = (email: string) => userIdOf(t, email);
const code = (answer: Answer) => (answer.ok ? 'ok' : answer.error.code);
const room = () => t.platform.media.get(host.joined?.roomId ?? '');

beforeAll(async () => {
  t = await startTestPlatform();
  sessionId = String((await t.platform.db.connection.collection('circle_meetings').findOne({}))?._id);
  // The facilitator is in the room, sending, with the group made by hand (no automatic commits).
  host = await open(facilitator);
  await host.join(sessionId, { audio: true, video: true });
  await host.sendMedia(1000);
  group = await SocketMember.create(host.socket, host.joined ?? { peerId: '', roomId: '' });
  await group.member.createGroup(host.joined?.roomId ?? '');
  // A member admitted and in the room, sending too.
  member = await open(m1 ?? facilitator);
  const admitted = nextEvent(member.socket, 'lobby:admitted');
  await member.data('lobby:knock', { sessionId });
  await host.data('lobby:admit', { sessionId, userId: await userId(m1?.email ?? '') });
  await admitted;
  await member.join(sessionId, { audio: true, video: true });
  await member.sendMedia(2000);
  // Someone waiting, prepared: its peer, transports, producers (held) and KeyPackage (held).
  waiting = await open(waiter ?? facilitator);
  waiting.socket.onAny((event: string) => {
    if (event.startsWith('room:') || event.startsWith('mls:')) waitingSaw.push(event);
  });
  expect(await waiting.data('lobby:knock', { sessionId })).toEqual({ admitted: false });
  await waiting.prepare(sessionId, { audio: true, video: true });
  await waiting.sendMedia(3000);
});

afterAll(async () => {
  for (const peer of peers) peer.close();
  await t?.close();
});

describe('a peer prepared in the lobby', () => {
  it('holds its transports and producers on the SFU, and nothing of it reaches the room, nor of the room it', async () => {
    const heard = nextKeyPackage(host.socket, 1500).then(
      () => 'forwarded',
      () => 'held',
    );
    expect(await waiting.request('mls:publish-key-package', { keyPackage: await (await SocketMember.create(waiting.socket, waiting.prepared ?? { peerId: '', roomId: '' })).member.createKeyPackage() })).toEqual({
      ok: true,
      data: { create: false },
    });
    expect(await heard).toBe('held');
    // The host and the member receive each other, and nothing of the waiting peer.
    await expect.poll(() => [host.consumers.size, member.consumers.size], { timeout: 20_000 }).toEqual([2, 2]);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect([host.consumers.size, member.consumers.size]).toEqual([2, 2]);
    const media = room();
    const held = media?.peer(waiting.prepared?.peerId ?? '');
    expect(held?.held).toBe(true);
    expect(held?.consumers.size).toBe(0);
    expect([...(held?.producers.values() ?? [])].map((p) => [p.kind, p.paused])).toEqual([
      ['audio', true],
      ['video', true],
    ]);
    for (const peerId of [host.joined?.peerId, member.joined?.peerId]) {
      expect([...(media?.peer(peerId ?? '').consumers.values() ?? [])].filter((c) => c.appData.peerId === waiting.prepared?.peerId)).toEqual([]);
    }
    // Nobody was told it exists, and it was told of nobody: no consumer, no peer, no floor, no speaker, no MLS message.
    expect(waitingSaw).toEqual([]);
    expect(waiting.consumers.size).toBe(0);
  });

  it('is refused what only those in the room may do: not_admitted, and nothing told to anyone', async () => {
    const noSignal = nextEvent(host.socket, 'room:peer-sending', 1000).then(
      () => 'told',
      () => 'quiet',
    );
    const consumerId = [...(room()?.peer(host.joined?.peerId ?? '').consumers.keys() ?? [])][0];
    const asks: Array<[string, unknown]> = [
      ['room:consumer-view', { consumerId, spatialLayer: 2, visible: true }],
      ['room:request-key-frame', {}],
      ['room:set-media-mode', { mode: 'audio-only' }],
      ['room:set-sending', { audio: true, video: true }],
      ['room:raise-hand', { raised: true }],
      ['room:mute-all', {}],
      ['mls:message', { epoch: 0, message: new Uint8Array([1, 2, 3]) }],
      ['mls:commit', { commit: new Uint8Array([1, 2, 3]) }],
    ];
    for (const [event, payload] of asks) expect(`${event}: ${code(await waiting.request(event, payload))}`).toBe(`${event}: not_admitted`);
    // Nor can it claim a place in the group it is not in.
    const rejoin = await waiting.request('mls:publish-key-package', {
      keyPackage: await (await SocketMember.create(waiting.socket, waiting.prepared ?? { peerId: '', roomId: '' })).member.createKeyPackage(),
      rejoin: true,
    });
    expect(code(rejoin)).toBe('invalid_payload');
    // Who waits is the host's to see, not a waiting member's.
    expect(code(await waiting.request('lobby:watch', { sessionId }))).toBe('forbidden');
    expect(await noSignal).toBe('quiet');
    expect(waitingSaw).toEqual([]);
  });

  it('cannot be slipped into the group: a commit adding it beside someone admitted is refused, and no Welcome reaches it', async () => {
    const memberKeyPackage = nextKeyPackage(host.socket, 10_000);
    await member.startMls();
    const admittedOne = await memberKeyPackage;
    // The waiting peer's KeyPackage, handed to the committer outside the server (collusion).
    const smuggled = await (await SocketMember.create(waiting.socket, waiting.prepared ?? { peerId: '', roomId: '' })).member.createKeyPackage();
    const welcome = nextEvent(waiting.socket, 'mls:welcome', 1500).then(
      () => 'welcomed',
      () => 'none',
    );
    const both = await group.member.addMembers([new Uint8Array(admittedOne.keyPackage), smuggled]);
    const refused = await group.submit(both.commit, both.welcome);
    expect(refused.error?.code).toBe('invalid_payload');
    expect(refused.error?.message).toMatch(/not in the session/);
    await group.member.discardPendingCommit();
    expect(await welcome).toBe('none');
    // The admitted one alone is taken.
    const one = await group.member.addMembers([new Uint8Array(admittedOne.keyPackage)]);
    expect((await group.submit(one.commit, one.welcome)).data).toEqual({ accepted: true, epoch: 1 });
    await group.member.confirmPendingCommit();
    await expect.poll(() => member.groupSize(), { timeout: 10_000 }).toBe(2);
    expect(waitingSaw).toEqual([]);
  });

  it('turned away (the room locked): what it prepared is gone, and it cannot prepare or knock again', async () => {
    const peerId = waiting.prepared?.peerId ?? '';
    const transports = [...(room()?.peer(peerId).transports.values() ?? [])];
    expect(transports).toHaveLength(2);
    const refused = nextEvent<{ reason: string }>(waiting.socket, 'lobby:refused');
    expect((await host.request('room:lock', { locked: true })).ok).toBe(true);
    expect((await refused).reason).toBe('locked');
    await expect.poll(() => room()?.peerIfPresent(peerId), { timeout: 5000 }).toBeUndefined();
    expect(transports.every((transport) => transport.closed)).toBe(true);
    expect(code(await waiting.request('room:create-transport', { direction: 'recv' }))).toBe('not_in_room');
    expect(code(await waiting.request('room:prepare', { sessionId }))).toBe('not_admitted');
    expect(code(await waiting.request('lobby:knock', { sessionId }))).toBe('room_locked');
    expect(waitingSaw).toEqual([]);
    expect((await host.request('room:lock', { locked: false })).ok).toBe(true);
  });

  it('removed, or never having knocked, it cannot prepare at all', async () => {
    expect((await host.request('room:moderate', { peerId: member.joined?.peerId, action: 'remove' })).ok).toBe(true);
    expect(code(await member.request('room:prepare', { sessionId }))).toBe('removed');
    const uninvited = await open(stranger ?? facilitator);
    expect(code(await uninvited.request('room:prepare', { sessionId }))).toBe('not_admitted');
    expect(room()?.peerCount).toBe(1);
  });

  it('counts against the limits, and goes with its connection', async () => {
    const peer = await open(leaver ?? facilitator);
    expect(await peer.data('lobby:knock', { sessionId })).toEqual({ admitted: false });
    // Preparing again replaces what was prepared: one peer per connection, and a budget of its own.
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(code(await peer.request('room:prepare', { sessionId })));
    expect(answers).toEqual(['ok', 'ok', 'ok', 'ok', 'rate_limited']);
    expect(room()?.peerCount).toBe(2);
    expect(code(await peer.request('room:create-transport', { direction: 'send' }))).toBe('ok');
    expect(code(await peer.request('room:create-transport', { direction: 'send' }))).toBe('rate_limited');
    // Leaving the lobby (the page closed): its peer and transports go.
    peer.close();
    await expect.poll(() => room()?.peerCount, { timeout: 5000 }).toBe(1);
  });
});
