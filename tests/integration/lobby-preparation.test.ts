import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolPeer } from '../support/protocol-peer.js';
import { nextEvent, startTestPlatform, userIdOf, type TestPlatform } from '../support/test-platform.js';

/*
 * Admit → seeing each other (issue 15), the honest path: a participant's
 * page prepares while it waits (its peer, both transports, its producers
 * held, its KeyPackage held), and the host's admission lets it in at once:
 * `room:entered` before `lobby:admitted`, consumers both ways (each one the
 * server's request, answered once), and its KeyPackage to the committer in
 * one message with everyone let in at the same time, added in one commit.
 * Real socket.io clients with real session cookies doing what the web app
 * does (tests/support/protocol-peer.ts), on the real stack.
 */

const [counselor, asn] = demoAccounts;
const members = demoAccounts.filter((a) => a.role === 'asn');
let t: TestPlatform;
const peers: ProtocolPeer[] = [];

const open = (account: { email: string; password: string }) => ProtocolPeer.signIn(t.url, account, peers);

const userId = (email: string) => userIdOf(t, email);

/** Events of these names a peer was sent, in order. */
function record(peer: ProtocolPeer, names: readonly string[]): string[] {
  const seen: string[] = [];
  peer.socket.onAny((event: string) => {
    if (names.includes(event)) seen.push(event);
  });
  return seen;
}

beforeAll(async () => {
  t = await startTestPlatform();
});

afterAll(async () => {
  for (const peer of peers) peer.close();
  await t?.close();
});

describe('a 1:1 client prepared in the lobby', () => {
  it('is let in by the admission itself: entered before told, media both ways, added by one commit', async () => {
    const appointment = await t.platform.db.appointments.findOne({});
    const sessionId = String(appointment?._id);
    const host = await open(counselor);
    const hostJoined = await host.join(sessionId, { audio: true, video: true });
    await host.sendMedia(1000);
    await host.startMls();

    const client = await open(asn);
    expect(await client.data('lobby:knock', { sessionId })).toEqual({ admitted: false });
    const prepared = await client.prepare(sessionId, { audio: true, video: true });
    expect(prepared.roomId).toBe(hostJoined.roomId);
    await client.sendMedia(2000);
    await client.prepareMls();

    const order = record(client, ['room:entered', 'lobby:admitted']);
    const keyPackages = nextEvent<{ keyPackages: Array<{ peerId: string }> }>(host.socket, 'mls:key-packages');
    const admitted = nextEvent(client.socket, 'lobby:admitted');
    await host.data('lobby:admit', { sessionId, userId: await userId(asn.email) });
    await admitted;
    expect(order).toEqual(['room:entered', 'lobby:admitted']);
    expect(client.joined?.peerId).toBe(prepared.peerId);
    expect(client.joined?.peers.map((p) => p.peerId)).toEqual([hostJoined.peerId]);
    expect(client.joined?.mls.role).toBe('join');
    // The KeyPackage published while waiting reaches the committer now, in one message.
    expect((await keyPackages).keyPackages.map((k) => k.peerId)).toEqual([prepared.peerId]);

    await client.startMls();
    await expect.poll(() => host.groupSize() === 2 && client.groupSize() === 2 && client.epoch() === host.epoch(), { timeout: 30_000 }).toBe(true);
    // One commit added the client: the group went from epoch 0 to 1.
    expect(host.epoch()).toBe(1n);
    // Each receives the other's microphone and camera; each consumer was started by the receiver's answer, a video
    // one once its receiver held the keys and asked for key frames (as the page does on entering the epoch).
    await expect.poll(() => [host.consumers.size, client.consumers.size], { timeout: 30_000 }).toEqual([2, 2]);
    const room = t.platform.media.get(hostJoined.roomId);
    const clientVideo = () => [...(room?.peer(prepared.peerId).consumers.values() ?? [])].find((c) => c.kind === 'video');
    expect(clientVideo()?.paused).toBe(true);
    await client.data('room:request-key-frame', {});
    for (const peerId of [hostJoined.peerId, prepared.peerId]) {
      await expect.poll(() => [...(room?.peer(peerId).consumers.values() ?? [])].every((c) => !c.paused), { timeout: 10_000 }).toBe(true);
    }
    expect([...host.refused(), ...client.refused(), ...host.failures(), ...client.failures()]).toEqual([]);
  });
});

describe('a circle: admit all', () => {
  it('lets everyone prepared in at once and adds them all in one commit, with one Welcome', async () => {
    const meeting = await t.platform.db.connection.collection('circle_meetings').findOne({});
    const sessionId = String(meeting?._id);
    const host = await open(counselor);
    const hostJoined = await host.join(sessionId);
    await host.sendMedia(11_000);
    await host.startMls();

    const waiting = await Promise.all(members.map((account) => open(account)));
    await Promise.all(
      waiting.map(async (member, i) => {
        expect(await member.data('lobby:knock', { sessionId })).toEqual({ admitted: false });
        await member.prepare(sessionId);
        await member.sendMedia(20_000 + i * 100);
        await member.prepareMls();
      }),
    );
    const keyPackageMessages = record(host, ['mls:key-packages']);
    // Those let in together join through the one Welcome: none of them is sent the others' KeyPackages.
    const toTheLetIn = waiting.map((member) => record(member, ['mls:key-packages']));
    const keyPackages = nextEvent<{ keyPackages: Array<{ peerId: string }> }>(host.socket, 'mls:key-packages');
    const told = waiting.map((member) => nextEvent(member.socket, 'lobby:admitted'));
    expect(await host.data('lobby:admit-all', { sessionId })).toEqual({ admitted: members.length });
    await Promise.all(told);
    expect(waiting.every((member) => member.joined !== undefined)).toBe(true);
    // Every KeyPackage in one message to the committer.
    expect((await keyPackages).keyPackages.map((k) => k.peerId).sort()).toEqual(waiting.map((m) => m.prepared?.peerId).sort());

    await Promise.all(waiting.map((member) => member.startMls()));
    const everyone = [host, ...waiting];
    await expect
      .poll(() => everyone.every((p) => p.groupSize() === members.length + 1 && p.epoch() === host.epoch()), { timeout: 60_000, interval: 250 })
      .toBe(true);
    // One epoch change for all of them: 0 → 1.
    expect(host.epoch()).toBe(1n);
    expect(keyPackageMessages).toHaveLength(1);
    expect(toTheLetIn.map((seen) => seen.length)).toEqual(waiting.map(() => 0));
    await expect.poll(() => everyone.map((p) => p.consumers.size), { timeout: 60_000 }).toEqual(everyone.map(() => 2 * members.length));
    expect(t.platform.media.get(hostJoined.roomId)?.peerCount).toBe(members.length + 1);
    for (const peer of everyone) {
      expect(peer.refused()).toEqual([]);
      expect(peer.failures()).toEqual([]);
    }
  }, 120_000);
});
