import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextKeyPackage, nextKeyPackages, SocketMember, type Ack } from '../support/mls-socket-member.js';
import { ask, enterRoomTogether, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * The MLS delivery service with real MLS messages: two real Socket.IO
 * connections (the demo counselor and client of a 1:1), each running the web
 * app's own MLS layer on Node's WebCrypto, against the real server and Redis.
 */
let t: TestPlatform;
let host: TestSocket;
let client: TestSocket;
let hostJoin: { peerId: string; roomId: string; mls: { role: string; epoch: number | null } };
let clientJoin: { peerId: string; roomId: string; mls: { role: string; epoch: number | null } };
let counselor: SocketMember;
let asn: SocketMember;

const bytes = (...values: number[]) => new Uint8Array(values);
const errorCode = (ack: unknown) => (ack as Ack).error?.code;

beforeAll(async () => {
  t = await startTestPlatform();
  const pair = await enterRoomTogether(t);
  ({ host, client } = pair);
  hostJoin = pair.hostJoin as typeof hostJoin;
  clientJoin = pair.clientJoin as typeof clientJoin;
  counselor = await SocketMember.create(host, hostJoin);
  asn = await SocketMember.create(client, clientJoin);
});

afterAll(async () => {
  host?.close();
  client?.close();
  await t.close();
});

async function serverEpoch(): Promise<number> {
  return Number(await t.platform.redis.hget(`mls:${hostJoin.roomId}:group`, 'epoch'));
}

describe('MLS delivery service', () => {
  it('lets the first peer create the group and tells the next to join it', async () => {
    expect(hostJoin.mls).toEqual({ role: 'create', epoch: 0 });
    expect(clientJoin.mls).toEqual({ role: 'join', epoch: 0 });
    await counselor.member.createGroup(hostJoin.roomId);
  });

  it('refuses a KeyPackage that is not one, or names another peer', async () => {
    expect(errorCode(await asn.publish(bytes(1, 2, 3)))).toBe('invalid_payload');
    const impostor = await SocketMember.create(client, { ...clientJoin }, hostJoin.peerId);
    const refused = await asn.publish(await impostor.member.createKeyPackage());
    expect(errorCode(refused)).toBe('invalid_payload');
    expect(refused.error?.message).toContain('must name the peer');
  });

  it('forwards a KeyPackage to the members; the committer adds it; the Welcome goes to the joiner only', async () => {
    const arrived = nextKeyPackage(host);
    const welcomed = nextEvent<{ epoch: number; welcome: Uint8Array }>(client, 'mls:welcome');
    const keyPackage = await asn.member.createKeyPackage();
    expect(await asn.publish(keyPackage)).toEqual({ ok: true, data: { create: false } });
    const announced = await arrived;
    expect(announced.peerId).toBe(clientJoin.peerId);
    expect(announced.rejoin).toBe(false);
    expect([...new Uint8Array(announced.keyPackage)]).toEqual([...keyPackage]);

    const { commit, welcome } = await counselor.member.addMembers([new Uint8Array(announced.keyPackage)]);
    expect(await counselor.submit(commit, welcome)).toEqual({ ok: true, data: { accepted: true, epoch: 1 } });
    await counselor.member.confirmPendingCommit();
    const delivered = await welcomed;
    expect(delivered.epoch).toBe(1);
    await asn.member.joinFromWelcome(new Uint8Array(delivered.welcome), { expectedGroupId: clientJoin.roomId });
    expect(await asn.member.safetyCode()).toBe(await counselor.member.safetyCode());
    expect(await serverEpoch()).toBe(1);
  });

  it('ignores a joiner\'s retry that crossed its Welcome', async () => {
    const noise = nextKeyPackages(host, 500).then(
      () => 'forwarded',
      () => 'quiet',
    );
    const late = await SocketMember.create(client, clientJoin);
    expect(await asn.publish(await late.member.createKeyPackage())).toEqual({ ok: true, data: { create: false } });
    expect(await noise).toBe('quiet');
  });

  it('starts the group afresh when everyone but the last committer lost it, and tells that committer', async () => {
    // The client could not follow the counselor's commit and asks to be added anew. In a 1:1 the
    // counselor is then the only one holding the group, and its commit is what the client could not
    // follow: the client starts the group afresh and the counselor is told to join it.
    const restarted = nextEvent(host, 'mls:group-restarted');
    const again = await SocketMember.create(client, clientJoin);
    expect(await again.publish(await again.member.createKeyPackage(), true)).toEqual({ ok: true, data: { create: true } });
    await restarted;
    await again.member.createGroup(clientJoin.roomId);
    asn = again;
    expect(await serverEpoch()).toBe(0);

    const arrived = nextKeyPackage(client);
    const welcomed = nextEvent<{ epoch: number; welcome: Uint8Array }>(host, 'mls:welcome');
    counselor = await SocketMember.create(host, hostJoin);
    expect(await counselor.publish(await counselor.member.createKeyPackage())).toEqual({ ok: true, data: { create: false } });
    const announced = await arrived;
    expect(announced.rejoin).toBe(false);
    // Submitted twice at once: the first is taken, the second is told the current epoch.
    const { commit, welcome } = await asn.member.addMembers([new Uint8Array(announced.keyPackage)]);
    const results = await Promise.all([asn.submit(commit, welcome), asn.submit(commit, welcome)]);
    expect(results.filter((r) => r.data?.accepted)).toHaveLength(1);
    expect(results.find((r) => !r.data?.accepted)?.data?.epoch).toBe(1);
    await asn.member.confirmPendingCommit();
    await counselor.member.joinFromWelcome(new Uint8Array((await welcomed).welcome), { expectedGroupId: hostJoin.roomId });
    expect(await counselor.member.safetyCode()).toBe(await asn.member.safetyCode());
    expect(await serverEpoch()).toBe(1);
  });

  it('refuses a commit that is not one, with the epoch unchanged', async () => {
    expect(errorCode(await counselor.submit(bytes(9)))).toBe('invalid_payload');
    expect(await serverEpoch()).toBe(1);
  });

  it('relays application messages to the others, and refuses one for another epoch', async () => {
    const arrived = nextEvent<{ fromPeerId: string; message: Uint8Array; epoch: number }>(client, 'mls:message');
    const message = await counselor.member.encryptApplication(new TextEncoder().encode('halo'));
    const sent = (await ask(host, 'mls:message', { epoch: 1, message })) as Ack;
    expect(sent.ok).toBe(true);
    const relayed = await arrived;
    expect(relayed.fromPeerId).toBe(hostJoin.peerId);
    const read = await asn.member.decryptApplication(new Uint8Array(relayed.message));
    expect(new TextDecoder().decode(read.plaintext)).toBe('halo');
    expect(errorCode(await ask(host, 'mls:message', { epoch: 0, message }))).toBe('stale_epoch');
  });

  it('refuses text where bytes belong, and oversized messages, with a typed error', async () => {
    const text = (await ask(client, 'mls:message', { epoch: 2, message: 'hello' })) as Ack;
    expect(text.ok).toBe(false);
    expect(text.error?.code).toBe('invalid_payload');
    expect(text.error?.message).toContain('message must be binary');
    const huge = (await ask(client, 'mls:message', { epoch: 2, message: new Uint8Array(17 * 1024) })) as Ack;
    expect(huge.error?.message).toContain('at most');
  });

  it('starts the group afresh when nobody present holds it', async () => {
    // The counselor leaves; the client asks to be added anew: nobody present can, so it creates.
    await ask(host, 'room:leave', {});
    const orphan = await SocketMember.create(client, clientJoin);
    expect(await orphan.publish(await orphan.member.createKeyPackage(), true)).toEqual({ ok: true, data: { create: true } });
    expect(await serverEpoch()).toBe(0);
    const leaves = JSON.parse((await t.platform.redis.hget(`mls:${hostJoin.roomId}:group`, 'leaves')) ?? '[]') as Array<{ peerId: string }>;
    expect(leaves.map((leaf) => leaf.peerId)).toEqual([clientJoin.peerId]);
  });
});
