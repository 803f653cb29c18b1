import { randomUUID } from 'node:crypto';
import { demoAccounts } from '@care/server';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ask, connect, login, startTestPlatform, userIdOf, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * Someone who can read Redis's pub/sub (a compromised Redis, a replica's
 * operator, MONITOR) sees every broadcast the Socket.IO adapter publishes
 * between nodes. A chat line is ciphertext, but each copy of it published
 * there would still say when who wrote how much to whom. The relay hands a
 * line to the room's connections, all on the node that holds the room, in
 * one local broadcast (`toLocalConnections`): nothing of it is published.
 * Nor is anything else the room tells its peers (joins, the MLS group's
 * commits, Welcomes and KeyPackages): a push to a connection of this node
 * is not published (`toConnection`).
 * Who gets it is unchanged: every other member of the room once, the sender
 * not, a connection outside the room not, and with `to` that peer only.
 */

const [counselor, asn, , asn2, asn3, asn4] = demoAccounts;
let t: TestPlatform;
let tap: Redis;
/** Everything published on the run's Redis while this file runs, raw (pub/sub is not per database). */
const published: Buffer[] = [];
const sockets: TestSocket[] = [];
let sessionId: string;
let facilitator: TestSocket;
let members: TestSocket[];
let peerIds: string[];
let epoch: number;

async function socketOf(account: { email: string; password: string }): Promise<TestSocket> {
  const socket = await connect(t.url, await login(t.url, account.email, account.password));
  sockets.push(socket);
  return socket;
}

interface Joined {
  ok: boolean;
  data: { peerId: string; mls: { epoch: number | null } };
}

/** Counts `mls:message` arrivals per socket, with each one's bytes. */
function listen(all: TestSocket[]): { heard: Map<TestSocket, Uint8Array[]>; stop(): void } {
  const heard = new Map<TestSocket, Uint8Array[]>(all.map((s) => [s, []]));
  const listeners = all.map((socket) => {
    const listener = (payload: { message: ArrayBuffer | Uint8Array }) => heard.get(socket)?.push(new Uint8Array(payload.message));
    (socket as unknown as { on(e: string, l: typeof listener): void }).on('mls:message', listener);
    return listener;
  });
  return {
    heard,
    stop: () => all.forEach((socket, i) => (socket as unknown as { off(e: string, l: unknown): void }).off('mls:message', listeners[i])),
  };
}

const contains = (haystack: Buffer, needle: Uint8Array) => haystack.indexOf(Buffer.from(needle)) >= 0;
const settle = () => new Promise((resolve) => setTimeout(resolve, 1500));

beforeAll(async () => {
  t = await startTestPlatform();
  tap = t.platform.redis.duplicate();
  tap.on('pmessageBuffer', (_pattern: Buffer, _channel: Buffer, message: Buffer) => published.push(message));
  await tap.psubscribe('*');
  const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({});
  sessionId = String(meeting?._id);
  facilitator = await socketOf(counselor);
  const opened = (await ask(facilitator, 'room:join', { sessionId })) as Joined;
  expect(opened.ok).toBe(true);
  epoch = opened.data.mls.epoch ?? 0;
  members = [await socketOf(asn), await socketOf(asn2), await socketOf(asn3), await socketOf(asn4)];
  for (const member of members) expect(await ask(member, 'lobby:knock', { sessionId })).toMatchObject({ ok: true });
  expect(await ask(facilitator, 'lobby:admit-all', { sessionId })).toMatchObject({ ok: true, data: { admitted: 4 } });
  peerIds = [];
  for (const member of members) {
    const joined = (await ask(member, 'room:join', { sessionId })) as Joined;
    expect(joined.ok).toBe(true);
    peerIds.push(joined.data.peerId);
  }
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await tap?.quit();
  await t?.close();
});

describe('a chat line is relayed in the room and never crosses Redis', () => {
  it('control: the tap sees what the adapter publishes (a broadcast to every connection of a person on any node)', async () => {
    const probe = `control-${randomUUID()}`;
    t.platform.io.to(`user:${await userIdOf(t, counselor.email)}`).emit('calendar:changed', { bookingId: probe, change: 'booked' });
    await settle();
    expect(published.some((message) => contains(message, Buffer.from(probe)))).toBe(true);
  });

  it('the knocks went to the host through the sealed notice stream, not pub/sub (room-notice-stream.ts)', () => {
    expect(published.some((message) => contains(message, Buffer.from('lobby:knock')))).toBe(false);
  });

  it('nothing of the room\'s own traffic is published: no peer id of the roster (joins, admissions, the group\'s pushes)', () => {
    // Every peer of the room is a connection of this node: what the room tells them stays here (socket-notifier.ts).
    for (const peerId of peerIds) expect(published.filter((message) => contains(message, Buffer.from(peerId)))).toEqual([]);
    expect(published.some((message) => contains(message, Buffer.from('room:peer-joined')))).toBe(false);
  });

  it('every other member gets the line once, the sender and a connection outside the room none; nothing of it is published', async () => {
    const outside = await socketOf(asn);
    const line = new TextEncoder().encode(`ciphertext-${randomUUID()}`);
    const listening = listen([facilitator, ...members, outside]);
    const before = published.length;
    expect(await ask(facilitator, 'mls:message', { epoch, message: line })).toMatchObject({ ok: true });
    await settle();
    listening.stop();
    for (const member of members) {
      expect(listening.heard.get(member)).toHaveLength(1);
      expect(Buffer.from(listening.heard.get(member)![0]!).equals(Buffer.from(line))).toBe(true);
    }
    expect(listening.heard.get(facilitator)).toEqual([]);
    expect(listening.heard.get(outside)).toEqual([]);
    expect(published.slice(before).filter((message) => contains(message, line))).toEqual([]);
  });

  it('a line for one peer (`to`) reaches that peer only, and is not published either', async () => {
    const line = new TextEncoder().encode(`resent-${randomUUID()}`);
    const listening = listen([facilitator, ...members]);
    const before = published.length;
    expect(await ask(members[0]!, 'mls:message', { epoch, message: line, to: peerIds[2] })).toMatchObject({ ok: true });
    await settle();
    listening.stop();
    expect(listening.heard.get(members[2]!)).toHaveLength(1);
    for (const other of [facilitator, members[0]!, members[1]!, members[3]!]) expect(listening.heard.get(other)).toEqual([]);
    expect(published.slice(before).filter((message) => contains(message, line))).toEqual([]);
  });

  it('a line at a stale epoch is still refused, and reaches nobody', async () => {
    const line = new TextEncoder().encode(`stale-${randomUUID()}`);
    const listening = listen([facilitator, ...members]);
    expect(await ask(members[1]!, 'mls:message', { epoch: epoch + 7, message: line })).toMatchObject({ ok: false, error: { code: 'stale_epoch' } });
    await settle();
    listening.stop();
    for (const socket of [facilitator, ...members]) expect(listening.heard.get(socket)).toEqual([]);
  });
});
