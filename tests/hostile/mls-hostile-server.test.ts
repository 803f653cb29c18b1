import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { enterAsSocket, SocketMember } from '../support/mls-socket-member.js';
import { openSessionById, seriousViolations } from '../support/session-flow.js';

/*
 * The server itself turns against a support circle. The test drives the
 * in-process platform as a hostile operator would: it hands a member's page a
 * commit the delivery service refuses, and it announces a listener to the
 * facilitator only, so the facilitator's app adds it to the group while the
 * other members are never told anyone joined. Honest pages (real Chromium)
 * refuse what breaks the room's rules, rejoin, and show every key holder
 * nobody can see as an unknown member, with a warning.
 */
const facilitator = demoAccounts[0];
const [memberAccount, insiderAccount, ghostAccount] = demoAccounts.filter((a) => a.role === 'asn');

let h: BrowserHarness;
let meetingId: string;
let roomId: string;
let host: Page;
let member: Page;
let insider: SocketMember;

beforeAll(async () => {
  h = await BrowserHarness.start();
  const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
  meetingId = String(meeting?._id);
  roomId = String(meeting?.roomId);
});

afterAll(async () => {
  insider?.socket.close();
  await h?.close();
});

const encrypted = (page: Page) => page.locator('[data-testid="encryption"][data-state="encrypted"]');
const safetyCode = (page: Page) => page.getByTestId('safety-code').textContent();
/** Waits until `other` shows the safety code `page` shows. */
async function sameCode(page: Page, other: Page): Promise<void> {
  const code = await safetyCode(page);
  await other.waitForFunction((expected) => document.querySelector('[data-testid="safety-code"]')?.textContent === expected, code, { timeout: 30_000 });
}

/** The Socket.IO ids of the member page's connections, found the way a hostile operator would: in its own server. */
async function socketIdsOf(displayName: string): Promise<string[]> {
  const sockets = await h.t.platform.io.fetchSockets();
  return sockets.filter((s) => (s.data as { user?: { displayName: string } }).user?.displayName === displayName).map((s) => s.id);
}

describe('a hostile server', () => {
  it('the facilitator opens the circle; a member joins on a page and an insider on a patched client', { timeout: 120_000 }, async () => {
    if (!memberAccount || !insiderAccount) throw new Error('demo members missing');
    ({ page: host } = await h.signIn(facilitator.email, facilitator.password));
    await openSessionById(host, meetingId);
    await encrypted(host).waitFor({ timeout: 30_000 });
    ({ page: member } = await h.signIn(memberAccount.email, memberAccount.password));
    await member.goto(`/session/${meetingId}`);
    await member.getByTestId('consent-accept').click();
    await member.getByTestId('devices-ready').click();
    await member.getByTestId('lobby').waitFor();
    await host.getByTestId('admit').first().click();
    await encrypted(member).waitFor({ timeout: 30_000 });

    const entered = await enterAsSocket(h.t.url, insiderAccount, host, meetingId);
    insider = await SocketMember.create(entered.socket, entered.joined);
    insider.followCommits();
    await insider.joinGroup();
    await sameCode(host, member);
    await expect.poll(async () => (await safetyCode(member)) === (await insider.member.safetyCode()), { timeout: 10_000 }).toBe(true);
    await member.locator('[data-testid="key-holders"][data-holders="3"][data-people="3"][data-unknown="0"]').waitFor();
  });

  it('hands a member\'s page a commit removing the facilitator: the page refuses it, rejoins, and keeps the facilitator', { timeout: 120_000 }, async () => {
    if (!memberAccount) throw new Error('demo member missing');
    const codeBefore = (await safetyCode(host)) ?? '';
    const epoch = Number(await h.t.platform.redis.hget(`mls:${roomId}:group`, 'epoch'));
    const leaves = JSON.parse((await h.t.platform.redis.hget(`mls:${roomId}:group`, 'leaves')) ?? '[]') as Array<{ peerId: string }>;
    const facilitatorPeerId = leaves[0]?.peerId ?? '';
    // The insider signs a real commit removing the facilitator; the delivery service would refuse it...
    const { commit } = await insider.member.removeMembers([facilitatorPeerId]);
    expect((await insider.submit(commit)).error?.code).toBe('invalid_payload');
    await insider.member.discardPendingCommit();
    // ...so the server delivers it to the member's page itself.
    for (const id of await socketIdsOf(memberAccount.displayName)) {
      h.t.platform.io.to(id).emit('mls:commit', { fromPeerId: insider.peerId, epoch, commit });
    }
    // The page does not follow it; it asks to be added anew, and the facilitator's app does that.
    await member.waitForFunction((before) => document.querySelector('[data-testid="safety-code"]')?.textContent !== before, codeBefore, {
      timeout: 30_000,
    });
    await encrypted(member).waitFor({ timeout: 30_000 });
    await sameCode(host, member);
    await expect.poll(async () => (await safetyCode(member)) === (await insider.member.safetyCode()), { timeout: 10_000 }).toBe(true);
    await member.locator('[data-testid="key-holders"][data-holders="3"][data-people="3"][data-unknown="0"]').waitFor();
    const after = JSON.parse((await h.t.platform.redis.hget(`mls:${roomId}:group`, 'leaves')) ?? '[]') as Array<{ peerId: string }>;
    expect(after[0]?.peerId).toBe(facilitatorPeerId);
  });

  it('garbles a commit on its way to a member\'s page: the page cannot process it, and rejoins instead of staying behind', { timeout: 120_000 }, async () => {
    if (!memberAccount) throw new Error('demo member missing');
    const memberSockets = new Set(await socketIdsOf(memberAccount.displayName));
    const io = h.t.platform.io;
    const realTo = io.to.bind(io);
    let garbled = 0;
    // The operator flips the last byte (the membership tag) of the next commit the member's page is sent.
    (io as unknown as { to: (room: string) => unknown }).to = (room: string) => {
      const operator = realTo(room);
      if (!memberSockets.has(room) || garbled > 0) return operator;
      return {
        emit: (event: string, payload: { commit?: Uint8Array }, ...rest: unknown[]) => {
          if (event !== 'mls:commit' || !payload.commit) return (operator.emit as (e: string, ...a: unknown[]) => boolean)(event, payload, ...rest);
          garbled += 1;
          const commit = new Uint8Array(payload.commit);
          commit[commit.length - 1] = (commit[commit.length - 1] ?? 0) ^ 0xff;
          return (operator.emit as (e: string, ...a: unknown[]) => boolean)(event, { ...payload, commit }, ...rest);
        },
      };
    };
    try {
      // Something ordinary makes a commit: the insider asks to be added anew, the facilitator's app does it.
      const again = await SocketMember.create(insider.socket, { peerId: insider.peerId, roomId });
      again.followCommits();
      await again.joinGroup({ rejoin: true });
      insider = again;
      expect(garbled).toBe(1);
      // The page could not follow that commit; it rejoined and holds the group's current key again.
      await encrypted(member).waitFor({ timeout: 30_000 });
      await expect.poll(async () => (await safetyCode(member)) === (await insider.member.safetyCode()), { timeout: 30_000 }).toBe(true);
      await sameCode(host, member);
      await member.locator('[data-testid="key-holders"][data-holders="3"][data-people="3"][data-unknown="0"]').waitFor();
    } finally {
      (io as unknown as { to: typeof realTo }).to = realTo;
    }
  });

  it('announces a listener to the facilitator only: the others see an unknown member holding the key, and a warning', { timeout: 120_000 }, async () => {
    if (!memberAccount || !ghostAccount) throw new Error('demo members missing');
    const hideFrom = new Set(await socketIdsOf(memberAccount.displayName));
    const io = h.t.platform.io;
    const realTo = io.to.bind(io);
    let hiding = true;
    // The operator's patch: the member's page is never told that anyone joined.
    (io as unknown as { to: (room: string) => unknown }).to = (room: string) => {
      const operator = realTo(room);
      if (!hiding || !hideFrom.has(room)) return operator;
      return {
        emit: (event: string, ...args: unknown[]) =>
          event === 'room:peer-joined' ? true : (operator.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args),
      };
    };
    let ghostSocket: { close(): void } | undefined;
    try {
      const entered = await enterAsSocket(h.t.url, ghostAccount, host, meetingId);
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
      await member.locator('[data-testid="key-holders"][data-holders="4"][data-people="3"][data-unknown="1"]').waitFor();
      expect(await member.getByTestId('unknown-member').count()).toBe(1);
      // The listener holds the very key the member's page uses.
      await expect.poll(async () => (await safetyCode(member)) === (await ghost.member.safetyCode()), { timeout: 10_000 }).toBe(true);
      expect(await seriousViolations(member)).toEqual([]);
      // The facilitator was shown the listener as a person, so its own count matches.
      await host.locator('[data-testid="key-holders"][data-holders="4"][data-people="4"][data-unknown="0"]').waitFor();
    } finally {
      hiding = false;
      (io as unknown as { to: typeof realTo }).to = realTo;
      ghostSocket?.close();
    }
  });
});
