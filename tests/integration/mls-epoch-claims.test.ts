import { randomUUID } from 'node:crypto';
import { MlsEpochClaims, MlsGroupRoster } from '@care/server';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/*
 * The MLS epoch is decided by claim documents in the database, not by Redis
 * (whose replication can lose an acknowledged write in a failover). Two
 * signal-node-like instances — each its own Redis client and its own database
 * connection, as two server processes have — race commits for one epoch, and
 * Redis's copy is set back or wiped under them. With real MLS members on the
 * real server: tests/hostile/mls-lost-epoch-advance.test.ts.
 */

interface SignalNode {
  redis: Redis;
  connection: mongoose.Connection;
  roster: MlsGroupRoster;
  claims: MlsEpochClaims;
}

const dbName = `care_test_epochs_${randomUUID().slice(0, 8)}`;
let nodes: SignalNode[] = [];

async function signalNode(): Promise<SignalNode> {
  const redis = new Redis(inject('redisUrl'));
  const connection = await mongoose.createConnection(inject('mongodbUri'), { dbName, autoIndex: false, autoCreate: false }).asPromise();
  const claims = await MlsEpochClaims.bind(connection);
  return { redis, connection, claims, roster: new MlsGroupRoster(redis, claims) };
}

const groupKey = (roomId: string) => `mls:${roomId}:group`;
const claimsOf = (roomId: string) => nodes[0]!.connection.collection('mls_epoch_claims').find({ roomId }).toArray();

beforeAll(async () => {
  nodes = [await signalNode(), await signalNode()];
});

afterAll(async () => {
  await nodes[0]?.connection.dropDatabase().catch(() => undefined);
  for (const node of nodes) {
    await node.connection.close();
    node.redis.disconnect();
  }
});

describe('MLS epochs claimed in the database, across two signal nodes', () => {
  it('two commits for the same epoch from two nodes: exactly one wins, every epoch, and Redis holds the winner', async () => {
    const [a, b] = nodes as [SignalNode, SignalNode];
    const roomId = `room-${randomUUID()}`;
    expect(await a.roster.create(roomId, 'p0', Date.now())).toBe(true);
    for (let epoch = 0; epoch < 10; epoch += 1) {
      const [fromA, fromB] = await Promise.all([a.roster.read(roomId), b.roster.read(roomId)]);
      expect(fromA?.epoch).toBe(epoch);
      expect(fromB?.epoch).toBe(epoch);
      const leavesA = [{ peerId: 'p0' }, { peerId: `a${epoch}` }];
      const leavesB = [{ peerId: 'p0' }, { peerId: `b${epoch}` }];
      const results = await Promise.all([
        a.roster.advance(roomId, fromA!, { committer: 'p0', leaves: leavesA, addedPeerIds: [], workRemains: false }, Date.now()),
        b.roster.advance(roomId, fromB!, { committer: 'p0', leaves: leavesB, addedPeerIds: [], workRemains: false }, Date.now()),
      ]);
      expect(results.filter((r) => r === epoch + 1)).toHaveLength(1);
      expect(results.filter((r) => r === undefined)).toHaveLength(1);
      const winner = results[0] === undefined ? leavesB : leavesA;
      const after = await b.roster.read(roomId);
      expect(after?.epoch).toBe(epoch + 1);
      expect(after?.leaves).toEqual(winner);
      expect(JSON.parse((await a.redis.hget(groupKey(roomId), 'leaves')) ?? 'null')).toEqual(winner);
    }
    const claims = await claimsOf(roomId);
    expect(claims.map((c) => c.epoch as number).sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('Redis set back by a lost write: the other node reads the claimed epoch, and a second commit for the old epoch loses', async () => {
    const [a, b] = nodes as [SignalNode, SignalNode];
    const roomId = `room-${randomUUID()}`;
    await a.roster.create(roomId, 'p0', Date.now());
    const before = await a.redis.hgetall(groupKey(roomId));
    const stale = (await a.roster.read(roomId))!;
    const won = await a.roster.advance(roomId, stale, { committer: 'p0', leaves: [{ peerId: 'p0' }, { peerId: 'pA' }], addedPeerIds: ['pA'], workRemains: false }, Date.now());
    expect(won).toBe(1);
    // The failover: the replica that becomes primary never got the advance.
    await a.redis.del(groupKey(roomId));
    await a.redis.hset(groupKey(roomId), before);
    expect(await b.redis.hget(groupKey(roomId), 'epoch')).toBe('0');

    const seen = await b.roster.read(roomId);
    expect(seen?.epoch).toBe(1);
    expect(seen?.leaves).toEqual([{ peerId: 'p0' }, { peerId: 'pA' }]);
    expect(seen?.generation).toBe(stale.generation);
    // Set back again, and a commit built on the old epoch arrives at the other node first.
    await a.redis.del(groupKey(roomId));
    await a.redis.hset(groupKey(roomId), before);
    const second = await b.roster.advance(roomId, stale, { committer: 'p0', leaves: [{ peerId: 'p0' }, { peerId: 'pB' }], addedPeerIds: ['pB'], workRemains: false }, Date.now());
    expect(second).toBeUndefined();
    expect((await a.roster.read(roomId))?.leaves).toEqual([{ peerId: 'p0' }, { peerId: 'pA' }]);
    expect(await a.redis.hget(groupKey(roomId), 'epoch')).toBe('1');
  });

  it('Redis wiped: the group comes back from the claims and is not started afresh over its members', async () => {
    const [a, b] = nodes as [SignalNode, SignalNode];
    const roomId = `room-${randomUUID()}`;
    await a.roster.create(roomId, 'p0', Date.now());
    const start = (await a.roster.read(roomId))!;
    await a.roster.advance(roomId, start, { committer: 'p0', leaves: [{ peerId: 'p0' }, { peerId: 'p1' }], addedPeerIds: [], workRemains: true }, Date.now());
    await a.redis.del(groupKey(roomId));
    // A newcomer on the other node would have started a new group; the claims put the old one back.
    expect(await b.roster.createIfAbsent(roomId, 'p2', Date.now())).toBe(false);
    const back = await b.roster.read(roomId);
    expect(back?.generation).toBe(start.generation);
    expect(back?.epoch).toBe(1);
    expect(back?.leaves).toEqual([{ peerId: 'p0' }, { peerId: 'p1' }]);
    expect(back?.dueAt).not.toBeNull();
  });

  it('Redis set back to a group that was started afresh since: the newer group wins', async () => {
    const [a, b] = nodes as [SignalNode, SignalNode];
    const roomId = `room-${randomUUID()}`;
    await a.roster.create(roomId, 'p0', Date.now());
    const old = await a.redis.hgetall(groupKey(roomId));
    expect(await b.roster.create(roomId, 'p1', Date.now() + 1, { keepWaiting: true, replacing: old.generation! })).toBe(true);
    const fresh = (await b.roster.read(roomId))!;
    await a.redis.del(groupKey(roomId));
    await a.redis.hset(groupKey(roomId), old);
    const seen = await a.roster.read(roomId);
    expect(seen?.generation).toBe(fresh.generation);
    expect(seen?.leaves).toEqual([{ peerId: 'p1' }]);
  });

  it('the claims go when the room ends', async () => {
    const [a, b] = nodes as [SignalNode, SignalNode];
    const roomId = `room-${randomUUID()}`;
    await a.roster.create(roomId, 'p0', Date.now());
    expect(await claimsOf(roomId)).toHaveLength(1);
    await b.roster.end(roomId);
    expect(await claimsOf(roomId)).toHaveLength(0);
    expect(await a.roster.read(roomId)).toBeUndefined();
  });

  it('sweeps the history of rooms long quiet (their node died before the end), keeping any room with a newer epoch whole', async () => {
    const [a] = nodes as [SignalNode];
    const quiet = `room-${randomUUID()}`;
    const live = `room-${randomUUID()}`;
    const hoursAgo = (hours: number) => Date.now() - hours * 3600_000;
    for (const [roomId, at] of [[quiet, hoursAgo(30)], [quiet, hoursAgo(20)], [live, hoursAgo(30)], [live, hoursAgo(1)]] as const) {
      const epoch = (await claimsOf(roomId)).length;
      expect(await a.claims.claim({ roomId, generation: 'g1', epoch, leaves: ['p0'], committer: null, added: [], workRemains: false, at })).toBe(true);
    }
    expect(await a.claims.sweep(Date.now())).toBe(2);
    expect(await claimsOf(quiet)).toEqual([]);
    expect((await claimsOf(live)).map((claim) => claim.epoch)).toEqual([0, 1]);
  });
});
