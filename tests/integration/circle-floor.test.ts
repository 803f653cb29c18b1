import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, connect, login, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * The live side of a circle meeting over the real Socket.IO server, Redis and
 * FerretDB: the facilitator opens the room, members wait and are let in
 * together, and the floor (hands, mute, lock, remove, end) is the server's.
 */
const facilitator = demoAccounts[0];
const members = demoAccounts.filter((a) => a.role === 'asn');
const admin = demoAccounts.find((a) => a.role === 'admin');

type Ack<T = unknown> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
interface Peer {
  peerId: string;
  userId?: string;
  displayName: string;
  host: boolean;
  sending: { audio: boolean; video: boolean };
}
interface Joined {
  peerId: string;
  peers: Peer[];
  floor: { locked: boolean; hands: string[] };
}

let t: TestPlatform;
let meetingId: string;
const sockets: TestSocket[] = [];
const cookies = new Map<string, string>();

async function open(email: string): Promise<TestSocket> {
  const socket = await connect(t.url, cookies.get(email));
  sockets.push(socket);
  return socket;
}

async function request<T>(socket: TestSocket, event: string, payload: unknown): Promise<Ack<T>> {
  return (await ask(socket, event, payload)) as Ack<T>;
}

function data<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

beforeAll(async () => {
  t = await startTestPlatform();
  for (const account of [facilitator, ...members, ...(admin ? [admin] : [])]) {
    cookies.set(account.email, await login(t.url, account.email, account.password));
  }
  const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({});
  meetingId = String(meeting?._id);
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await t.close();
});

describe('a circle meeting: lobby, pseudonyms and the floor', () => {
  let host: TestSocket;
  const inRoom: Array<{ socket: TestSocket; joined: Joined }> = [];

  it('describes the session to a member under their pseudonym, and hides it from others', async () => {
    const asView = async (email: string | undefined) =>
      (await (await fetch(`${t.url}/api/sessions/${meetingId}`, { headers: { cookie: cookies.get(email ?? '') ?? '' } })).json()) as Ack<{
        kind: string;
        me: { displayName: string; host: boolean };
        circle?: { pseudonymous: boolean };
      }>;
    const member = data(await asView(members[0]?.email));
    expect(member.kind).toBe('circle');
    expect(member.me).toMatchObject({ displayName: 'Melati', host: false });
    expect(member.circle?.pseudonymous).toBe(true);
    expect(data(await asView(facilitator.email)).me).toMatchObject({ displayName: facilitator.displayName, host: true });
    const byAdmin = await asView(admin?.email);
    expect(byAdmin.ok).toBe(false);
    if (!byAdmin.ok) expect(byAdmin.error.code).toBe('not_found');
  });

  it('lets the facilitator admit everyone waiting at once; members see pseudonyms and no account ids', async () => {
    host = await open(facilitator.email);
    const hostJoined = data(await request<Joined>(host, 'room:join', { sessionId: meetingId }));
    expect(hostJoined.floor).toEqual({ locked: false, hands: [] });

    const waiting = members.slice(0, 3);
    const memberSockets = await Promise.all(waiting.map((m) => open(m.email)));
    // Nobody gets in by asking for the room before being admitted.
    const early = await request(memberSockets[0] as TestSocket, 'room:join', { sessionId: meetingId });
    expect(early.ok ? 'joined' : early.error.code).toBe('not_admitted');

    for (const socket of memberSockets) expect(data(await request<{ admitted: boolean }>(socket, 'lobby:knock', { sessionId: meetingId }))).toEqual({ admitted: false });
    const queue = data(await request<Array<{ displayName: string }>>(host, 'lobby:watch', { sessionId: meetingId }));
    expect(queue.map((e) => e.displayName).sort()).toEqual(['Anggrek', 'Kenanga', 'Melati']);

    const admittedEvents = memberSockets.map((socket) => nextEvent<{ sessionId: string }>(socket, 'lobby:admitted'));
    const byMember = await request(memberSockets[0] as TestSocket, 'lobby:admit-all', { sessionId: meetingId });
    expect(byMember.ok ? 'admitted' : byMember.error.code).toBe('forbidden');
    expect(data(await request<{ admitted: number }>(host, 'lobby:admit-all', { sessionId: meetingId }))).toEqual({ admitted: 3 });
    for (const event of admittedEvents) expect((await event).sessionId).toBe(meetingId);

    for (const socket of memberSockets) {
      const joined = data(await request<Joined>(socket, 'room:join', { sessionId: meetingId, sending: { audio: true, video: false } }));
      inRoom.push({ socket, joined });
    }
    const last = inRoom[2]?.joined;
    expect(last?.peers).toHaveLength(3);
    const hostView = last?.peers.find((p) => p.host);
    expect(hostView).toMatchObject({ displayName: facilitator.displayName, host: true });
    expect(hostView?.userId).toMatch(/^[a-f0-9]{24}$/);
    for (const peer of last?.peers.filter((p) => !p.host) ?? []) {
      expect(peer.userId).toBeUndefined();
      expect(['Melati', 'Anggrek']).toContain(peer.displayName);
      expect(peer.sending).toEqual({ audio: true, video: false });
    }
  });

  it('keeps raised hands in order, lets the facilitator lower one, and refuses moderation by members', async () => {
    const [first, second] = inRoom;
    if (!first || !second) throw new Error('members not in the room');
    await request(second.socket, 'room:raise-hand', { raised: true });
    const floorSeen = nextEvent<{ hands: string[] }>(host, 'room:floor');
    await request(first.socket, 'room:raise-hand', { raised: true });
    expect((await floorSeen).hands).toEqual([second.joined.peerId, first.joined.peerId]);
    // Raising again keeps one's place.
    expect(data(await request<{ hands: string[] }>(second.socket, 'room:raise-hand', { raised: true })).hands).toEqual([
      second.joined.peerId,
      first.joined.peerId,
    ]);

    const byMember = await request(first.socket, 'room:moderate', { peerId: second.joined.peerId, action: 'lower-hand' });
    expect(byMember.ok ? 'done' : byMember.error.code).toBe('forbidden');
    const lowered = nextEvent<{ hands: string[] }>(first.socket, 'room:floor');
    data(await request(host, 'room:moderate', { peerId: second.joined.peerId, action: 'lower-hand' }));
    expect((await lowered).hands).toEqual([first.joined.peerId]);

    const bad = await request(host, 'room:moderate', { peerId: 'someone', action: 'mute' });
    expect(bad.ok ? 'done' : bad.error.code).toBe('invalid_payload');
    const unknown = await request(host, 'room:moderate', { peerId: crypto.randomUUID(), action: 'mute' });
    expect(unknown.ok ? 'done' : unknown.error.code).toBe('not_found');
  });

  it('keeps a hand up, in its place, across a dropped connection; leaving on purpose takes it down', async () => {
    const [first, second] = inRoom;
    if (!first || !second) throw new Error('members not in the room');
    // After the last test: only the first member's hand is up. The second raises theirs behind it.
    expect(data(await request<{ hands: string[] }>(second.socket, 'room:raise-hand', { raised: true })).hands).toEqual([first.joined.peerId, second.joined.peerId]);

    // The first member's connection drops: their hand leaves the others' view, not the queue.
    const whileAway = nextEvent<{ hands: string[] }>(host, 'room:floor');
    first.socket.disconnect();
    expect((await whileAway).hands).toEqual([second.joined.peerId]);

    // Back on a new connection (admitted already): the hand is up again, still first in line, for everyone.
    const socket = await open(members[0]!.email);
    const onReturn = nextEvent<{ hands: string[] }>(host, 'room:floor');
    const joined = data(await request<Joined>(socket, 'room:join', { sessionId: meetingId, sending: { audio: true, video: false } }));
    expect(joined.floor.hands).toEqual([joined.peerId, second.joined.peerId]);
    expect((await onReturn).hands).toEqual([joined.peerId, second.joined.peerId]);
    inRoom[0] = { socket, joined };

    // Leaving on purpose lowers it; coming back then finds it down.
    const afterLeave = nextEvent<{ hands: string[] }>(host, 'room:floor');
    data(await request(socket, 'room:leave', {}));
    expect((await afterLeave).hands).toEqual([second.joined.peerId]);
    const again = data(await request<Joined>(socket, 'room:join', { sessionId: meetingId, sending: { audio: true, video: false } }));
    expect(again.floor.hands).toEqual([second.joined.peerId]);
    inRoom[0] = { socket, joined: again };
    data(await request(second.socket, 'room:raise-hand', { raised: false }));
  });

  it('mutes everyone: each member is told, and the others see the microphones off', async () => {
    const told = inRoom.map(({ socket }) => nextEvent<{ action: string }>(socket, 'room:moderated'));
    const seenByHost = nextEvent<{ peerId: string; sending: { audio: boolean } }>(host, 'room:peer-sending');
    expect(data(await request<{ muted: number }>(host, 'room:mute-all', {}))).toEqual({ muted: 3 });
    for (const event of told) expect(await event).toEqual({ action: 'mute' });
    expect((await seenByHost).sending.audio).toBe(false);
    // Nobody can switch another's microphone on; the member does it themselves.
    const unmuted = nextEvent<{ peerId: string; sending: { audio: boolean } }>(host, 'room:peer-sending');
    data(await request((inRoom[0] as { socket: TestSocket }).socket, 'room:set-sending', { audio: true, video: false }));
    expect(await unmuted).toEqual({ peerId: inRoom[0]?.joined.peerId, sending: { audio: true, video: false } });
  });

  it('a locked room turns newcomers away; unlocked, they may knock again', async () => {
    const late = await open(members[3]?.email ?? '');
    const floorSeen = nextEvent<{ locked: boolean }>(inRoom[0]?.socket as TestSocket, 'room:floor');
    expect(data(await request<{ locked: boolean }>(host, 'room:lock', { locked: true })).locked).toBe(true);
    expect((await floorSeen).locked).toBe(true);
    const refused = await request(late, 'lobby:knock', { sessionId: meetingId });
    expect(refused.ok ? 'knocked' : refused.error.code).toBe('room_locked');
    data(await request(host, 'room:lock', { locked: false }));
    expect(data(await request<{ admitted: boolean }>(late, 'lobby:knock', { sessionId: meetingId }))).toEqual({ admitted: false });
  });

  it('removes a member: they are told, the others see "removed", and they cannot come back', async () => {
    const target = inRoom[1];
    if (!target) throw new Error('no member to remove');
    const told = nextEvent<{ reason: string }>(target.socket, 'room:closed');
    const seen = nextEvent<{ peerId: string; reason: string }>(inRoom[0]?.socket as TestSocket, 'room:peer-left');
    data(await request(host, 'room:moderate', { peerId: target.joined.peerId, action: 'remove' }));
    expect(await told).toEqual({ reason: 'removed' });
    expect(await seen).toEqual({ peerId: target.joined.peerId, reason: 'removed' });
    const rejoin = await request(target.socket, 'room:join', { sessionId: meetingId });
    expect(rejoin.ok ? 'joined' : rejoin.error.code).toBe('removed');
    const knock = await request(target.socket, 'lobby:knock', { sessionId: meetingId });
    expect(knock.ok ? 'knocked' : knock.error.code).toBe('removed');
  });

  it('ends the session for all: everyone is told and nobody can enter again', async () => {
    const remaining = [inRoom[0], inRoom[2]].map((m) => m?.socket as TestSocket);
    const told = remaining.map((socket) => nextEvent<{ reason: string }>(socket, 'room:closed'));
    const byMember = await request(remaining[0] as TestSocket, 'room:end', {});
    expect(byMember.ok ? 'ended' : byMember.error.code).toBe('forbidden');
    data(await request(host, 'room:end', {}));
    for (const event of told) expect(await event).toEqual({ reason: 'ended' });
    for (const socket of [host, ...remaining]) {
      const again = await request(socket, 'room:join', { sessionId: meetingId });
      expect(again.ok ? 'joined' : again.error.code).toBe('session_ended');
    }
  });
});
