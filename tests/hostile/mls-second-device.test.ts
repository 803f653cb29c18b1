import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupOnServer, memberPageJoins, startCircleMeeting, type CircleMeeting } from '../support/circle-meeting.js';
import { encrypted, keyHolders, safetyCode, showsCode } from '../support/group-view.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { enterAsSocket, SocketMember } from '../support/mls-socket-member.js';
import { tapServerEmits } from '../support/operator-tap.js';
import { tapProducers } from '../support/rtp-tap.js';
import { openSessionById } from '../support/session-flow.js';
import { framesOpenedBy, type ProtectedFrame } from '../support/sframe-attempt.js';

/*
 * A member of a support circle (Melati) runs a patched client and tries to
 * bring a second device of theirs into the group: a second leaf, a listener
 * the room would count as one person. The delivery service refuses it; the
 * most the member can do is swap its one leaf for the other device's. Then
 * the facilitator removes Melati. After that, no key Melati's client or its
 * extra device ever held opens a frame or a chat message sent later. The
 * facilitator and another member are real Chromium pages on the real stack.
 */
const facilitator = demoAccounts[0];
const [attackerAccount, memberAccount] = demoAccounts.filter((a) => a.role === 'asn');

let c: CircleMeeting;
let host: Page;
let member: Page;
let attacker: SocketMember;
let device: SocketMember;

beforeAll(async () => {
  c = await startCircleMeeting();
});

afterAll(async () => {
  attacker?.socket.close();
  await c?.h.close();
});

const seatsOf = async (peerId: string) => (await groupOnServer(c)).leaves.filter((p) => p === peerId).length;

async function codesAgree(code: string | null): Promise<void> {
  for (const page of [host, member]) await showsCode(page, code);
}

describe('a member who brings a second device into the group, and is then removed', () => {
  it('the facilitator and a member on pages; Melati on a patched client; all in one group', { timeout: 120_000 }, async () => {
    if (!attackerAccount || !memberAccount) throw new Error('demo members missing');
    ({ page: host } = await c.h.signIn(facilitator.email, facilitator.password, { prepare: withKeyCapture }));
    await openSessionById(host, c.meetingId);
    await encrypted(host).waitFor({ timeout: 30_000 });
    const entered = await enterAsSocket(c.h.t.url, attackerAccount, host, c.meetingId);
    attacker = await SocketMember.create(entered.socket, entered.joined);
    attacker.followCommits();
    await attacker.joinGroup();
    member = await memberPageJoins(c, host, memberAccount, { prepare: withKeyCapture });
    await expect.poll(() => attacker.member.epoch, { timeout: 10_000 }).toBe(2n);
    await codesAgree(await attacker.member.safetyCode());
    await keyHolders(member, 3, 3);
  });

  it('cannot add a second leaf: not by its own commit, not by announcing the device, not under another name', { timeout: 60_000 }, async () => {
    device = await SocketMember.create(attacker.socket, { peerId: attacker.peerId, roomId: c.roomId });
    const deviceKeyPackage = await device.member.createKeyPackage();
    const { epoch } = await groupOnServer(c);

    // Its own commit adding the device: a KeyPackage never announced, a second leaf for one participant.
    const own = await attacker.member.addMembers([deviceKeyPackage]);
    expect((await attacker.submit(own.commit, own.welcome)).error?.code).toBe('invalid_payload');
    await attacker.member.discardPendingCommit();

    // Announcing the device while seated (no rejoin): the server passes it to no one.
    expect(await attacker.publish(deviceKeyPackage)).toEqual({ ok: true, data: { create: false } });
    const again = await attacker.member.addMembers([deviceKeyPackage]);
    const refused = await attacker.submit(again.commit, again.welcome);
    expect(refused.error?.code).toBe('invalid_payload');
    await attacker.member.discardPendingCommit();

    // The device under a participant id of its own: a KeyPackage must name the peer that publishes it.
    const stranger = await SocketMember.create(attacker.socket, { peerId: attacker.peerId, roomId: c.roomId }, crypto.randomUUID());
    expect((await attacker.publish(await stranger.member.createKeyPackage())).error?.code).toBe('invalid_payload');

    expect((await groupOnServer(c)).epoch).toBe(epoch);
    expect(await seatsOf(attacker.peerId)).toBe(1);
    await keyHolders(member, 3, 3);
  });

  it('can at most swap its one leaf for the device\'s: the facilitator\'s app removes the old leaf as it adds the new', { timeout: 60_000 }, async () => {
    device.followCommits();
    await device.joinGroup({ rejoin: true });
    await codesAgree(await device.member.safetyCode());
    expect(await seatsOf(attacker.peerId)).toBe(1);
    await keyHolders(member, 3, 3);
    await keyHolders(host, 3, 3);
  });

  it('once removed, no key Melati\'s client or device ever held opens a later frame or chat message', { timeout: 120_000 }, async () => {
    const codeBefore = (await safetyCode(host)) ?? '';
    host.once('dialog', (dialog) => void dialog.accept());
    await host.locator('[data-name="Melati"]').getByTestId('tile-actions').click();
    await host.locator('[data-name="Melati"]').getByTestId('remove-one').click();
    await host.waitForFunction((before) => document.querySelector('[data-testid="safety-code"]')?.textContent !== before, codeBefore, { timeout: 10_000 });
    await codesAgree(await safetyCode(host));
    await keyHolders(member, 2, 2);
    expect(await seatsOf(attacker.peerId)).toBe(0);

    const melatiKeys = [...attacker.heldKeys, ...device.heldKeys];
    expect(melatiKeys.length).toBeGreaterThanOrEqual(3);
    const newKey = (await capturedKeys(host)).at(-1) as string;
    expect(melatiKeys).not.toContain(newKey);
    expect((await capturedKeys(member)).at(-1)).toBe(newKey);

    // Frames: what the SFU forwards from now on, tapped on the server, tried with every key Melati held.
    await host.waitForTimeout(1500);
    const room = c.h.t.platform.media.get(c.roomId);
    if (!room) throw new Error('room media not found');
    const packets = await tapProducers(room.mediaRouter, [...room.producers()], 2000);
    const frames: ProtectedFrame[] = packets.filter((p) => p.kind === 'audio' && p.payload.length > 0).map((p) => ({ codec: 'opus' as const, bytes: p.payload }));
    expect(frames.length).toBeGreaterThan(50);
    expect(await framesOpenedBy(frames, melatiKeys)).toBe(0);
    expect(await framesOpenedBy(frames, [newKey])).toBe(frames.length);

    // Chat: the facilitator writes; the relay's bytes, taken at the server, are tried with both of Melati's group states.
    const relayed: Uint8Array[] = [];
    const restore = tapServerEmits(c.h.t.platform, (_connection, event, payload) => {
      const message = (payload as { message?: Uint8Array }).message;
      if (event === 'mls:message' && message) relayed.push(new Uint8Array(message));
      return payload;
    });
    try {
      await host.getByTestId('chat-input').fill('Terima kasih sudah berbagi hari ini.');
      await host.getByTestId('chat-input').press('Enter');
      await member.getByTestId('chat-theirs').filter({ hasText: 'Terima kasih sudah berbagi' }).waitFor({ timeout: 15_000 });
    } finally {
      restore();
    }
    expect(relayed.length).toBeGreaterThan(0);
    for (const message of relayed) {
      for (const state of [attacker.member, device.member]) {
        await expect(state.decryptApplication(message)).rejects.toThrow();
      }
    }
  });
});
