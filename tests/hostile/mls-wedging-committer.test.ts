import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupOnServer, memberPageJoins, startCircleMeeting, type CircleMeeting } from '../support/circle-meeting.js';
import { encrypted, keyHolders, settleOnOneCode, showsCode } from '../support/group-view.js';
import { enterAsSocket, nextKeyPackage, SocketMember } from '../support/mls-socket-member.js';
import { openSessionById } from '../support/session-flow.js';
import { nextEvent } from '../support/test-platform.js';

/*
 * The member whose turn it is to commit runs a patched client and sends
 * commits (and Welcomes) that look right to the delivery service — its own
 * group, epoch and leaf, Adds and Removes by the rules — but that nobody else
 * can process (one byte changed). The server cannot see that; the members
 * can. They do not stay on an old epoch: they rejoin, and once everyone but
 * that committer has lost the group after its commit, the group starts afresh
 * without it. Facilitator and member are real Chromium pages on the real stack.
 */
const facilitator = demoAccounts[0];
const [attackerAccount, memberAccount] = demoAccounts.filter((a) => a.role === 'asn');

let c: CircleMeeting;
let host: Page;
let member: Page;
let attacker: SocketMember;

beforeAll(async () => {
  c = await startCircleMeeting();
});

afterAll(async () => {
  attacker?.socket.close();
  await c?.h.close();
});

const garble = (bytes: Uint8Array) => {
  const copy = new Uint8Array(bytes);
  copy[copy.length - 1] = (copy[copy.length - 1] ?? 0) ^ 0xff;
  return copy;
};

describe('a committer whose commits nobody else can process', () => {
  it('facilitator, the attacker (next in line) and a member: one group', { timeout: 120_000 }, async () => {
    if (!attackerAccount || !memberAccount) throw new Error('demo members missing');
    ({ page: host } = await c.h.signIn(facilitator.email, facilitator.password));
    await openSessionById(host, c.meetingId);
    await encrypted(host).waitFor({ timeout: 30_000 });
    const entered = await enterAsSocket(c.h.t.url, attackerAccount, host, c.meetingId);
    attacker = await SocketMember.create(entered.socket, entered.joined);
    attacker.followCommits();
    await attacker.joinGroup();
    member = await memberPageJoins(c, host, memberAccount);
    await expect.poll(() => attacker.member.epoch, { timeout: 10_000 }).toBe(2n);
    for (const page of [host, member]) await showsCode(page, await attacker.member.safetyCode());
    expect((await groupOnServer(c)).leaves[1]).toBe(attacker.peerId);
  });

  it('cannot keep the group to itself: the others rejoin, start it afresh without it, and it is told', { timeout: 120_000 }, async () => {
    const before = await groupOnServer(c);
    const oldFacilitator = before.leaves[0] ?? '';
    // The facilitator reloads the page: its old leaf must go, its new KeyPackage come in.
    // The attacker now has the lowest leaf among those present: the commit is its to make.
    const announced = nextKeyPackage(attacker.socket, 30_000);
    const restarted = nextEvent(attacker.socket, 'mls:group-restarted', 60_000);
    await host.reload();
    await openSessionById(host, c.meetingId);
    const { keyPackage } = await announced;
    const { commit, welcome } = await attacker.member.changeMembers({ remove: [oldFacilitator], add: [new Uint8Array(keyPackage)] });
    const taken = await attacker.submit(garble(commit), welcome && garble(welcome));
    // The delivery service cannot tell: the framing, the sender, the proposals are all as they should be.
    expect(taken.data?.accepted).toBe(true);

    // The member's page could not process the commit, the facilitator's page could not use the Welcome.
    await restarted;
    const code = await settleOnOneCode([host, member]);
    const after = await groupOnServer(c);
    expect(after.leaves).not.toContain(attacker.peerId);
    expect(after.leaves).toHaveLength(2);
    // Nobody is hidden: two hold the key; the third person here does not, and the page says so calmly.
    await keyHolders(member, 2, 3);
    await member.getByTestId('awaiting-key').waitFor();
    expect(await member.getByTestId('unknown-members').count()).toBe(0);
    expect(code).not.toBe(await attacker.member.safetyCode());
  });
});
