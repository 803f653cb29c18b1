import type { BookingView, CounselorSlotsView } from '@care/shared';
import { Types } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stillServed, TwoSessionNodes } from '../hostile/session-sockets.js';
import { SentinelSet, MASTER_NAME } from '../support/sentinel-set.js';
import { recordFault } from '../support/fault-figures.js';
import { nextKeyPackages, SocketMember, sendChat, type Ack } from '../support/mls-socket-member.js';
import { enterRoomTogether, nextEvent, type TestPlatform, type TestSocket } from '../support/test-platform.js';
import { allWeek, createAccounts, schedulingClient, type TestAccount } from '../integration/scheduling/scheduling-app.js';

/*
 * Redis behind Sentinel (issue 14, "State that must survive a failover"):
 * two server nodes find the primary through three sentinels; the primary is
 * killed while people book; the sentinels promote the replica. What must
 * hold: every booking that was answered "booked" is in the database (the
 * bookings live there, Redis only helps), nobody already signed in is
 * signed out, people can sign in again, live connections keep being served,
 * and a change on one node still reaches a person connected to the other
 * (the Socket.IO adapter's subscriptions moved to the new primary).
 *
 * And the MLS group of a live 1:1 on node A does not fork: its epoch advance
 * is acknowledged just before the primary dies (asynchronous replication may
 * lose it from Redis), and a rival commit for the same epoch, built from the
 * same state as a stale tab or a retry would, is submitted after the
 * failover. The database's epoch claim refuses it; both members end on one
 * epoch with one safety code, and chat still goes through.
 */

let set: SentinelSet;
let nodes: TwoSessionNodes;
let a: TestPlatform;
let b: TestPlatform;
let counselor: TestAccount;
let clients: TestAccount[];
let counselorSocket: TestSocket;
let slots: string[];
let roomSockets: TestSocket[];
let counselorMember: SocketMember;
let asnMember: SocketMember;
let roomId: string;
/** Two commits for epoch 1 from the same state: the one taken, and its rival. */
let rivals: { taken: { commit: Uint8Array; welcome?: Uint8Array }; rival: { commit: Uint8Array; welcome?: Uint8Array } };

beforeAll(async () => {
  set = await SentinelSet.start();
  // REDIS_URL gives only the db here: the sentinels say where the primary is.
  nodes = await TwoSessionNodes.start({ REDIS_SENTINELS: set.sentinels, REDIS_MASTER_NAME: MASTER_NAME, REDIS_URL: 'redis://127.0.0.1:1/0' });
  ({ a, b } = nodes);
  [counselor] = (await createAccounts(a, 'counselor', 1, 'failover-counselor')) as [TestAccount];
  clients = await createAccounts(a, 'asn', 24, 'failover-asn');
  expect((await schedulingClient(a.url, counselor.cookie).put('/availability', { weekly: allWeek, minNoticeHours: 0, maxPerDay: 24, horizonDays: 30 })).status).toBe(200);
  const listed = await schedulingClient(b.url, clients[0]!.cookie).get<CounselorSlotsView>(`/counselors/${counselor.id}/slots`);
  slots = (listed.body.data?.slots ?? []).map((slot) => slot.startsAt).filter((startsAt) => Date.parse(startsAt) > Date.now() + 48 * 3600_000);
  expect(slots.length).toBeGreaterThanOrEqual(clients.length);
  counselorSocket = await nodes.open(a, counselor.cookie);

  // The demo 1:1 on node A, with both members' real MLS layer; the ASN's two KeyPackages give two rival commits.
  const pair = await enterRoomTogether(a);
  roomSockets = [nodes.track(pair.host), nodes.track(pair.client)];
  const hostJoin = pair.hostJoin as { peerId: string; roomId: string };
  roomId = hostJoin.roomId;
  counselorMember = await SocketMember.create(pair.host, hostJoin);
  asnMember = await SocketMember.create(pair.client, pair.clientJoin as { peerId: string; roomId: string });
  await counselorMember.member.createGroup(roomId);
  const keyPackages = [];
  for (let i = 0; i < 2; i += 1) {
    const arrived = nextKeyPackages(pair.host);
    expect((await asnMember.publish(await asnMember.member.createKeyPackage())).ok).toBe(true);
    keyPackages.push((await arrived)[0]!.keyPackage);
  }
  const rival = await counselorMember.member.addMembers([new Uint8Array(keyPackages[1]!)]);
  await counselorMember.member.discardPendingCommit();
  const taken = await counselorMember.member.addMembers([new Uint8Array(keyPackages[0]!)]);
  rivals = { taken, rival };
}, 120_000);

afterAll(async () => {
  await nodes?.close();
  await set?.close();
});

const bookingExists = async (id: string) =>
  (await a.platform.db.connection.collection('appointments').countDocuments({ _id: new Types.ObjectId(id) })) === 1;

/** Asks again while the answer is a typed refusal (Redis still finding its new primary), for up to 20 s. */
async function untilAnswered<T>(ask: () => Promise<Ack<T>>): Promise<Ack<T>> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await ask();
    if (answer.ok || Date.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe('Redis primary failover through Sentinel', () => {
  it('loses no answered booking, signs nobody out, forks no MLS group, and carries changes across nodes on the new primary', async (context) => {
    // Before: a booking on node B reaches the counselor connected to node A.
    const first = nextEvent<{ change: string }>(counselorSocket, 'calendar:changed');
    expect((await schedulingClient(b.url, clients[0]!.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[0] })).status).toBe(201);
    expect((await first).change).toBe('booked');

    // Every change the counselor is told of, on node A, from here on.
    const told = new Set<string>();
    counselorSocket.on('calendar:changed', ({ bookingId }) => told.add(bookingId));

    // And a steady stream of notices from node B to the counselor's connection on node A, through the outage.
    const probes = new Set<string>();
    let sent = 0;
    const probing = setInterval(() => {
      const bookingId = `probe-${sent++}`;
      b.platform.notifier.toUser(counselor.id, 'calendar:changed', { bookingId, change: 'booked' });
      probes.add(bookingId);
    }, 25);

    // People keep booking on both nodes while the primary dies.
    const answers: Array<{ status: number; id?: string; code?: string }> = [];
    const booking = (async () => {
      for (let i = 1; i < 20; i += 1) {
        const node = i % 2 === 0 ? a : b;
        const answer = await schedulingClient(node.url, clients[i]!.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[i] });
        answers.push({ status: answer.status, id: answer.body.data?.id, code: answer.body.error?.code });
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 600));
    // The MLS epoch advance is acknowledged, then the primary dies before (or after) the replica has it.
    const welcomed = nextEvent<{ epoch: number; welcome: Uint8Array }>(roomSockets[1]!, 'mls:welcome');
    expect(await counselorMember.submit(rivals.taken.commit, rivals.taken.welcome)).toEqual({ ok: true, data: { accepted: true, epoch: 1 } });
    await counselorMember.member.confirmPendingCommit();
    await asnMember.member.joinFromWelcome(new Uint8Array((await welcomed).welcome), { expectedGroupId: roomId });
    const { before, after } = await set.killPrimary();
    expect(after).not.toBe(before);
    await booking;
    clearInterval(probing);

    // Every answer was an answer (booked, or a typed refusal while Redis was away), and every "booked" is kept.
    const booked = answers.filter((answer) => answer.status === 201);
    const lost = [];
    for (const answer of booked) if (!(await bookingExists(answer.id!))) lost.push(answer.id);
    recordFault(context, { failover_lost_bookings: lost.length });
    expect(lost).toEqual([]);
    for (const answer of answers.filter((answer) => answer.status !== 201)) {
      expect(answer.status, JSON.stringify(answer)).toBeGreaterThanOrEqual(400);
      expect(answer.code, JSON.stringify(answer)).toBeTruthy();
    }
    expect(booked.length).toBeGreaterThan(0);
    // Notices: through the sealed stream, each node reads on from where it was once it reaches the new primary,
    // so they come late, not never; what asynchronous replication can still lose is an entry the old primary
    // acknowledged and had not yet passed on (a figure, not a pass/fail; tests/integration/notice-stream
    // asserts the read-on itself: docs/ARCHITECTURE.md "Notices to a person on every node").
    await new Promise((resolve) => setTimeout(resolve, 5000));
    const sentIds = [...booked.map((answer) => answer.id!), ...probes];
    const missed = sentIds.filter((id) => !told.has(id)).length;

    // Signed in before the failover: still signed in, on both nodes (the replica had the sessions).
    for (const node of [a, b]) {
      const me = await fetch(`${node.url}/api/auth/me`, { headers: { cookie: clients[21]!.cookie } });
      expect(me.status).toBe(200);
    }
    // The live connection is still served (presence works on the new primary).
    await expect.poll(() => stillServed(counselorSocket), { timeout: 15_000, interval: 250 }).toBe(true);

    // After: a booking on node B still reaches the counselor on node A.
    const later = nextEvent<{ bookingId: string; change: string }>(counselorSocket, 'calendar:changed', 15_000);
    const made = await schedulingClient(b.url, clients[22]!.cookie).post<BookingView>('/bookings', { counselorId: counselor.id, startsAt: slots[22] });
    expect(made.status).toBe(201);
    expect(await later).toEqual({ bookingId: made.body.data?.id, change: 'booked' });
    // The rival commit for epoch 1, once the new primary serves: refused (a typed error while Redis was away is retried).
    const rivalAnswer = await untilAnswered(() => counselorMember.submit(rivals.rival.commit, rivals.rival.welcome));
    const rivalTaken = rivalAnswer.data?.accepted === true;
    const relayed = nextEvent<{ message: Uint8Array }>(roomSockets[0]!, 'mls:message', 15_000);
    expect(((await untilAnswered(() => sendChat(asnMember, 'setelah pergantian Redis'))) as Ack).ok).toBe(true);
    const read = await counselorMember.member.decryptApplication(new Uint8Array((await relayed).message));
    const oneGroup =
      counselorMember.member.epoch === asnMember.member.epoch && (await counselorMember.member.safetyCode()) === (await asnMember.member.safetyCode());
    recordFault(context, { mls_forks: (rivalTaken ? 1 : 0) + (oneGroup ? 0 : 1) });
    expect(rivalAnswer).toEqual({ ok: true, data: { accepted: false, epoch: 1 } });
    expect(oneGroup).toBe(true);
    expect(Number(asnMember.member.epoch)).toBe(1);
    expect(JSON.parse(new TextDecoder().decode(read.plaintext)).text).toBe('setelah pergantian Redis');
    console.log(
      `redis failover: bookings_answered=${answers.length} booked=${booked.length} refused=${answers.length - booked.length} lost=${lost.length} broadcasts=${sentIds.length} broadcasts_missed=${missed}`,
    );
  }, 120_000);
});
