import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupOnServer, memberPageJoins, startCircleMeeting, type CircleMeeting } from '../support/circle-meeting.js';
import { encrypted, keyHolders, safetyCode, showsCode } from '../support/group-view.js';
import { enterAsSocket, SocketMember } from '../support/mls-socket-member.js';
import { tapServerEmits } from '../support/operator-tap.js';
import { openSessionById, seriousViolations } from '../support/session-flow.js';

/*
 * The server itself turns against a support circle. The test drives the
 * in-process platform as a hostile operator would: it hands a member's page a
 * commit the delivery service refuses, garbles one in transit, and announces
 * a listener to the facilitator only, so the facilitator's app adds it to the
 * group while the other members are never told anyone joined. Honest pages
 * (real Chromium) refuse what breaks the room's rules, rejoin rather than
 * stay on an old epoch, and show every key holder nobody can see as an
 * unknown member, with a warning.
 */
const facilitator = demoAccounts[0];
const [memberAccount, insiderAccount, ghostAccount] = demoAccounts.filter((a) => a.role === 'asn');

let c: CircleMeeting;
let host: Page;
let member: Page;
let insider: SocketMember;

beforeAll(async () => {
  c = await startCircleMeeting();
});

afterAll(async () => {
  insider?.socket.close();
  await c?.h.close();
});

/** The Socket.IO ids of a person's connections, found the way a hostile operator would: in its own server. */
async function socketIdsOf(displayName: string): Promise<Set<string>> {
  const sockets = await c.h.t.platform.io.fetchSockets();
  return new Set(sockets.filter((s) => (s.data as { user?: { displayName: string } }).user?.displayName === displayName).map((s) => s.id));
}

/** Waits until the page and a socket member show one safety code (the member applies commits as they come). */
async function agrees(page: Page, other: SocketMember): Promise<void> {
  await expect.poll(async () => (await safetyCode(page)) === (await other.member.safetyCode()), { timeout: 30_000 }).toBe(true);
}

describe('a hostile server', () => {
  it('the facilitator opens the circle; a member joins on a page and an insider on a patched client', { timeout: 120_000 }, async () => {
    if (!memberAccount || !insiderAccount) throw new Error('demo members missing');
    ({ page: host } = await c.h.signIn(facilitator.email, facilitator.password));
    await openSessionById(host, c.meetingId);
    await encrypted(host).waitFor({ timeout: 30_000 });
    member = await memberPageJoins(c, host, memberAccount);

    const entered = await enterAsSocket(c.h.t.url, insiderAccount, host, c.meetingId);
    insider = await SocketMember.create(entered.socket, entered.joined);
    insider.followCommits();
    await insider.joinGroup();
    // The insider's code is the group's now; both pages come to show it.
    await showsCode(host, await insider.member.safetyCode());
    await showsCode(member, await insider.member.safetyCode());
    await keyHolders(member, 3, 3);
  });

  it('hands a member\'s page a commit removing the facilitator: the page refuses it, rejoins, and keeps the facilitator', { timeout: 120_000 }, async () => {
    if (!memberAccount) throw new Error('demo member missing');
    const codeBefore = (await safetyCode(host)) ?? '';
    const { epoch, leaves } = await groupOnServer(c);
    const facilitatorPeerId = leaves[0] ?? '';
    // The insider signs a real commit removing the facilitator; the delivery service would refuse it...
    const { commit } = await insider.member.removeMembers([facilitatorPeerId]);
    expect((await insider.submit(commit)).error?.code).toBe('invalid_payload');
    await insider.member.discardPendingCommit();
    // ...so the server delivers it to the member's page itself.
    for (const id of await socketIdsOf(memberAccount.displayName)) {
      c.h.t.platform.io.to(id).emit('mls:commit', { fromPeerId: insider.peerId, epoch, commit });
    }
    // The page does not follow it; it asks to be added anew, and the facilitator's app does that.
    await member.waitForFunction((before) => document.querySelector('[data-testid="safety-code"]')?.textContent !== before, codeBefore, {
      timeout: 30_000,
    });
    await encrypted(member).waitFor({ timeout: 30_000 });
    await showsCode(member, await safetyCode(host));
    await agrees(member, insider);
    await keyHolders(member, 3, 3);
    expect((await groupOnServer(c)).leaves[0]).toBe(facilitatorPeerId);
  });

  it('garbles a commit on its way to a member\'s page: the page cannot process it, and rejoins instead of staying behind', { timeout: 120_000 }, async () => {
    if (!memberAccount) throw new Error('demo member missing');
    const memberSockets = await socketIdsOf(memberAccount.displayName);
    let garbled = 0;
    // The operator flips the last byte (the membership tag) of the next commit the member's page is sent.
    const restore = tapServerEmits(c.h.t.platform, (connection, event, payload) => {
      if (event !== 'mls:commit' || !memberSockets.has(connection) || garbled > 0) return payload;
      garbled += 1;
      const commit = new Uint8Array((payload as { commit: Uint8Array }).commit);
      commit[commit.length - 1] = (commit[commit.length - 1] ?? 0) ^ 0xff;
      return { ...(payload as object), commit };
    });
    try {
      // Something ordinary makes a commit: the insider asks to be added anew, the facilitator's app does it.
      const again = await SocketMember.create(insider.socket, { peerId: insider.peerId, roomId: c.roomId });
      again.followCommits();
      await again.joinGroup({ rejoin: true });
      insider = again;
      expect(garbled).toBe(1);
      // The page could not follow that commit; it rejoined and holds the group's current key again.
      await encrypted(member).waitFor({ timeout: 30_000 });
      await agrees(member, insider);
      await showsCode(member, await safetyCode(host));
      await keyHolders(member, 3, 3);
    } finally {
      restore();
    }
  });

  it('announces a listener to the facilitator only: the others see an unknown member holding the key, and a warning', { timeout: 120_000 }, async () => {
    if (!memberAccount || !ghostAccount) throw new Error('demo members missing');
    const hideFrom = await socketIdsOf(memberAccount.displayName);
    // The operator's patch: the member's page is never told that anyone joined.
    const restore = tapServerEmits(c.h.t.platform, (connection, event, payload) =>
      event === 'room:peer-joined' && hideFrom.has(connection) ? undefined : payload,
    );
    let ghostSocket: { close(): void } | undefined;
    try {
      const entered = await enterAsSocket(c.h.t.url, ghostAccount, host, c.meetingId);
      ghostSocket = entered.socket;
      const ghost = await SocketMember.create(entered.socket, entered.joined);
      ghost.followCommits();
      await ghost.joinGroup({ timeoutMs: 30_000 });
      // The facilitator's app added the listener it was told about; the member's page, told of no one,
      // refused that commit, rejoined, and now holds the key with the listener in the group: it says so.
      const alert = member.getByTestId('unknown-members');
      await alert.waitFor({ timeout: 40_000 });
      expect(await alert.getAttribute('role')).toBe('alert');
      expect(await alert.textContent()).toContain('tidak terlihat di sesi ini');
      await keyHolders(member, 4, 3, 1);
      expect(await member.getByTestId('unknown-member').count()).toBe(1);
      // The listener holds the very key the member's page uses.
      await agrees(member, ghost);
      expect(await seriousViolations(member)).toEqual([]);
      // The facilitator was shown the listener as a person, so its own count matches.
      await keyHolders(host, 4, 4);
    } finally {
      restore();
      ghostSocket?.close();
    }
  });
});
