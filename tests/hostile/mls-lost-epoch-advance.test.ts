import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nextKeyPackages, SocketMember, sendChat, type Ack } from '../support/mls-socket-member.js';
import { enterRoomTogether, nextEvent, startTestPlatform, type TestPlatform, type TestSocket } from '../support/test-platform.js';

/*
 * Redis replication is asynchronous: a failover can lose an MLS epoch
 * advance the server already acknowledged and fanned out. Then a second
 * commit for that epoch — from a stale tab, a retry, or a client patched to
 * exploit it — would be taken too, and the group would fork (two epoch-1
 * states, a second Welcome). The epoch is claimed in the database first
 * (MlsEpochClaims), so the second commit loses and Redis is repaired. Real
 * MLS members (the web app's own MLS layer) on real sockets, the real server,
 * Redis and FerretDB; Redis is set back and wiped by hand, as a failover would.
 */
const groupKey = (roomId: string) => `mls:${roomId}:group`;

describe('a lost MLS epoch advance in Redis', () => {
  let t: TestPlatform;
  let host: TestSocket;
  let client: TestSocket;
  let counselor: SocketMember;
  let asn: SocketMember;
  let roomId: string;

  beforeAll(async () => {
    t = await startTestPlatform();
    const pair = await enterRoomTogether(t);
    ({ host, client } = pair);
    const hostJoin = pair.hostJoin as { peerId: string; roomId: string };
    const clientJoin = pair.clientJoin as { peerId: string; roomId: string };
    roomId = hostJoin.roomId;
    counselor = await SocketMember.create(host, hostJoin);
    asn = await SocketMember.create(client, clientJoin);
  });

  afterAll(async () => {
    host?.close();
    client?.close();
    await t?.close();
  });

  const serverEpoch = async () => Number(await t.platform.redis.hget(groupKey(roomId), 'epoch'));

  it('a second commit for an epoch already taken is refused after Redis set it back; chat and safety codes stay one group', async () => {
    await counselor.member.createGroup(roomId);
    // The client's two KeyPackages: the counselor builds a commit for each at epoch 0 and keeps both.
    const arrived = nextKeyPackages(host);
    expect((await asn.publish(await asn.member.createKeyPackage())).ok).toBe(true);
    const [first] = await arrived;
    const arrivedAgain = nextKeyPackages(host);
    expect((await asn.publish(await asn.member.createKeyPackage())).ok).toBe(true);
    const [second] = await arrivedAgain;
    const other = await counselor.member.addMembers([new Uint8Array(second!.keyPackage)]);
    await counselor.member.discardPendingCommit();
    const taken = await counselor.member.addMembers([new Uint8Array(first!.keyPackage)]);
    const atEpochZero = await t.platform.redis.hgetall(groupKey(roomId));

    const welcomed = nextEvent<{ epoch: number; welcome: Uint8Array }>(client, 'mls:welcome');
    expect(await counselor.submit(taken.commit, taken.welcome)).toEqual({ ok: true, data: { accepted: true, epoch: 1 } });
    await counselor.member.confirmPendingCommit();
    await asn.member.joinFromWelcome(new Uint8Array((await welcomed).welcome), { expectedGroupId: roomId });

    // The failover loses the advance: Redis says epoch 0 with the counselor alone.
    await t.platform.redis.del(groupKey(roomId));
    await t.platform.redis.hset(groupKey(roomId), atEpochZero);
    expect(await serverEpoch()).toBe(0);
    // The other epoch-0 commit (a stale tab, a retry, a patched client) would have forked the
    // group: a second epoch 1 with its own Welcome. The claim for epoch 1 is taken: refused.
    const noSecondWelcome = nextEvent(client, 'mls:welcome', 1500).then(
      () => 'welcomed',
      () => 'quiet',
    );
    expect(await counselor.submit(other.commit, other.welcome)).toEqual({ ok: true, data: { accepted: false, epoch: 1 } });
    expect(await noSecondWelcome).toBe('quiet');
    expect(await serverEpoch()).toBe(1);

    // Chat at the members' epoch goes through, Redis wiped or not.
    for (const wipe of [false, true]) {
      if (wipe) await t.platform.redis.del(groupKey(roomId));
      const relayed = nextEvent<{ message: Uint8Array; epoch: number }>(host, 'mls:message');
      const sent = (await sendChat(asn, wipe ? 'setelah Redis hilang' : 'halo')) as Ack;
      expect(sent.ok).toBe(true);
      const read = await counselor.member.decryptApplication(new Uint8Array((await relayed).message));
      expect(JSON.parse(new TextDecoder().decode(read.plaintext)).text).toBe(wipe ? 'setelah Redis hilang' : 'halo');
    }
    // Everyone on one epoch, one group.
    expect(Number(counselor.member.epoch)).toBe(1);
    expect(Number(asn.member.epoch)).toBe(1);
    expect(await serverEpoch()).toBe(1);
    expect(await asn.member.safetyCode()).toBe(await counselor.member.safetyCode());
  });
});
