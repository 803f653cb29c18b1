import { demoAccounts } from '@care/server';
import { MLS_FALLBACK_COMMIT_MS } from '@care/shared';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MlsMember, MlsIdentity } from '../../web/src/lib/e2ee/mls/index.js';
import { groupOnServer, startCircleMeeting, type CircleMeeting } from '../support/circle-meeting.js';
import { encrypted, keyHolders, safetyCode, showsCode } from '../support/group-view.js';
import { enterAsSocket, nextKeyPackage, sendChat, SocketMember } from '../support/mls-socket-member.js';
import { openSessionById } from '../support/session-flow.js';

/*
 * One member of a support circle runs a patched client: a real Socket.IO
 * connection with the member's real session cookie and the app's own MLS
 * layer, sending the delivery service what an honest app never would. The
 * facilitator is a real Chromium page on the real stack. Each refusal leaves
 * the group where it was: the epoch in Redis does not move, the facilitator's
 * page keeps its safety code, and chat still flows.
 */
const facilitator = demoAccounts[0];
const [attackerAccount, newcomerAccount] = demoAccounts.filter((a) => a.role === 'asn');

let c: CircleMeeting;
let host: Page;
let attacker: SocketMember;
let facilitatorPeerId: string;

beforeAll(async () => {
  c = await startCircleMeeting();
});

afterAll(async () => {
  attacker?.socket.close();
  await c?.h.close();
});

/** After a refusal: same epoch on the server, same code on the facilitator's page, and chat still arrives there. */
async function groupUntouched(epoch: number, code: string, line: string): Promise<void> {
  expect((await groupOnServer(c)).epoch).toBe(epoch);
  expect(await safetyCode(host)).toBe(code);
  expect((await sendChat(attacker, line)).ok).toBe(true);
  await host.getByTestId('chat-theirs').filter({ hasText: line }).waitFor({ timeout: 15_000 });
}

describe('a member who sends the delivery service what the app never would', () => {
  it('the facilitator opens the circle; the member with a patched client is admitted and added to the group', { timeout: 120_000 }, async () => {
    if (!attackerAccount || !newcomerAccount) throw new Error('demo members missing');
    ({ page: host } = await c.h.signIn(facilitator.email, facilitator.password));
    await openSessionById(host, c.meetingId);
    await encrypted(host).waitFor({ timeout: 30_000 });
    const entered = await enterAsSocket(c.h.t.url, attackerAccount, host, c.meetingId);
    expect(entered.joined.mls.role).toBe('join');
    attacker = await SocketMember.create(entered.socket, entered.joined);
    expect(await attacker.joinGroup()).toBe(1);
    await showsCode(host, await attacker.member.safetyCode());
    const { leaves } = await groupOnServer(c);
    expect(leaves).toEqual([leaves[0], attacker.peerId]);
    facilitatorPeerId = leaves[0] ?? '';
    // What the room shows comes from the group: two hold the key, two are in the session.
    await keyHolders(host, 2, 2);
    await groupUntouched(1, await attacker.member.safetyCode(), 'Halo semuanya');
  });

  it('garbage, a KeyPackage, a chat message or a Welcome sent as a commit: invalid_payload, the epoch does not move', { timeout: 60_000 }, async () => {
    const code = (await safetyCode(host)) ?? '';
    const chat = await attacker.member.encryptApplication(new TextEncoder().encode('{}'));
    const stranger = await MlsMember.create(await MlsIdentity.generate(attacker.peerId));
    const keyPackage = await stranger.createKeyPackage();
    const notACommit = [crypto.getRandomValues(new Uint8Array(300)), new Uint8Array([0, 1]), keyPackage, chat];
    for (const bytes of notACommit) {
      const answer = await attacker.submit(bytes);
      expect(answer.ok).toBe(false);
      expect(answer.error?.code).toBe('invalid_payload');
    }
    // A real commit with a byte of junk after it: outside every signature, so refused too.
    const forged = await SocketMember.create(attacker.socket, { peerId: attacker.peerId, roomId: c.roomId });
    await forged.member.createGroup(c.roomId);
    const { commit, welcome } = await forged.member.addMembers([keyPackage]);
    expect((await attacker.submit(new Uint8Array([...commit, 0]), welcome)).error?.code).toBe('invalid_payload');
    await groupUntouched(1, code, 'Masih di sini');
  });

  it('a commit forged under the room\'s group id: another epoch, or another member\'s leaf, is refused', { timeout: 60_000 }, async () => {
    const code = (await safetyCode(host)) ?? '';
    // A group the attacker made alone, with the room's id: it sits at leaf 0, the facilitator's leaf.
    const forged = await SocketMember.create(attacker.socket, { peerId: attacker.peerId, roomId: c.roomId });
    await forged.member.createGroup(c.roomId);
    const dummy = async () => (await MlsMember.create(await MlsIdentity.generate(crypto.randomUUID()))).createKeyPackage();
    const first = await forged.member.addMembers([await dummy()]);
    await forged.member.confirmPendingCommit();
    // Epoch 1, as the room's, but sent as leaf 0: the facilitator's leaf, not the attacker's.
    const asFacilitator = await forged.member.addMembers([await dummy()]);
    const answer = await attacker.submit(asFacilitator.commit, asFacilitator.welcome);
    expect(answer.error?.code).toBe('invalid_payload');
    expect(answer.error?.message).toContain('sender leaf');
    await forged.member.confirmPendingCommit();
    // Epoch 2, which the room has not reached.
    const ahead = await forged.member.addMembers([await dummy()]);
    expect((await attacker.submit(ahead.commit, ahead.welcome)).error?.code).toBe('invalid_payload');
    // A commit for an epoch already past is not taken either (it lost, or it is a replay).
    expect((await attacker.submit(first.commit, first.welcome)).data).toEqual({ accepted: false, epoch: 1 });
    await groupUntouched(1, code, 'Tetap aman');
  });

  it('a member who removes the facilitator: invalid_payload; the facilitator keeps the group', { timeout: 60_000 }, async () => {
    const code = (await safetyCode(host)) ?? '';
    const { commit } = await attacker.member.removeMembers([facilitatorPeerId]);
    const answer = await attacker.submit(commit);
    expect(answer.error?.code).toBe('invalid_payload');
    expect(answer.error?.message).toContain('left the session');
    await attacker.member.discardPendingCommit();
    await groupUntouched(1, code, 'Fasilitator masih ada');
    await keyHolders(host, 2, 2);
  });

  it('a member who commits before its turn: not_committer; after the fallback wait its commit is taken', { timeout: 120_000 }, async () => {
    if (!newcomerAccount) throw new Error('demo member missing');
    // The facilitator's page can no longer sign (a frozen tab): the attacker is next in line.
    await host.evaluate(() => {
      Object.defineProperty(crypto.subtle, 'sign', { value: () => new Promise(() => undefined) });
    });
    const announced = nextKeyPackage(attacker.socket, 30_000);
    const entered = await enterAsSocket(c.h.t.url, newcomerAccount, host, c.meetingId);
    const newcomer = await SocketMember.create(entered.socket, entered.joined);
    const joining = newcomer.joinGroup({ timeoutMs: 60_000 });
    const { keyPackage } = await announced;
    const dueSince = Date.now();
    const early = await attacker.member.addMembers([new Uint8Array(keyPackage)]);
    const refused = await attacker.submit(early.commit, early.welcome);
    expect(refused.error?.code).toBe('not_committer');
    await attacker.member.discardPendingCommit();
    expect((await groupOnServer(c)).epoch).toBe(1);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueSince + MLS_FALLBACK_COMMIT_MS + 500 - Date.now())));
    const fallback = await attacker.member.addMembers([new Uint8Array(keyPackage)]);
    expect(await attacker.submit(fallback.commit, fallback.welcome)).toEqual({ ok: true, data: { accepted: true, epoch: 2 } });
    await attacker.member.confirmPendingCommit();
    expect(await joining).toBe(2);
    expect(await newcomer.member.safetyCode()).toBe(await attacker.member.safetyCode());
    entered.socket.close();
  });
});
