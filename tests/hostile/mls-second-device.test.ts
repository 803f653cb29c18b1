import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { enterAsSocket, SocketMember } from '../support/mls-socket-member.js';
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

let h: BrowserHarness;
let meetingId: string;
let roomId: string;
let host: Page;
let member: Page;
let attacker: SocketMember;
let device: SocketMember;

beforeAll(async () => {
  h = await BrowserHarness.start();
  const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
  meetingId = String(meeting?._id);
  roomId = String(meeting?.roomId);
});

afterAll(async () => {
  attacker?.socket.close();
  await h?.close();
});

const encrypted = (page: Page) => page.locator('[data-testid="encryption"][data-state="encrypted"]');
const safetyCode = (page: Page) => page.getByTestId('safety-code').textContent();
const seatedPeers = async () =>
  (JSON.parse((await h.t.platform.redis.hget(`mls:${roomId}:group`, 'leaves')) ?? '[]') as Array<{ peerId: string } | null>).map((l) => l?.peerId);

async function codesAgree(expected: () => Promise<string>): Promise<void> {
  for (const page of [host, member]) {
    await page.waitForFunction((code) => document.querySelector('[data-testid="safety-code"]')?.textContent === code, await expected(), { timeout: 30_000 });
  }
}

describe('a member who brings a second device into the group, and is then removed', () => {
  it('the facilitator and a member on pages; Melati on a patched client; all in one group', { timeout: 120_000 }, async () => {
    if (!attackerAccount || !memberAccount) throw new Error('demo members missing');
    ({ page: host } = await h.signIn(facilitator.email, facilitator.password, { prepare: withKeyCapture }));
    await openSessionById(host, meetingId);
    await encrypted(host).waitFor({ timeout: 30_000 });
    const entered = await enterAsSocket(h.t.url, attackerAccount, host, meetingId);
    attacker = await SocketMember.create(entered.socket, entered.joined);
    attacker.followCommits();
    await attacker.joinGroup();
    ({ page: member } = await h.signIn(memberAccount.email, memberAccount.password, { prepare: withKeyCapture }));
    await member.goto(`/session/${meetingId}`);
    await member.getByTestId('consent-accept').click();
    await member.getByTestId('devices-ready').click();
    await member.getByTestId('lobby').waitFor();
    await host.getByTestId('admit').first().click();
    await encrypted(member).waitFor({ timeout: 30_000 });
    await codesAgree(() => attacker.member.safetyCode());
    await member.locator('[data-testid="key-holders"][data-holders="3"][data-people="3"][data-unknown="0"]').waitFor();
  });

  it('cannot add a second leaf: not by its own commit, not by announcing the device, not under another name', { timeout: 60_000 }, async () => {
    device = await SocketMember.create(attacker.socket, { peerId: attacker.peerId, roomId });
    const deviceKeyPackage = await device.member.createKeyPackage();
    const epoch = Number(await h.t.platform.redis.hget(`mls:${roomId}:group`, 'epoch'));

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
    const stranger = await SocketMember.create(attacker.socket, { peerId: attacker.peerId, roomId }, crypto.randomUUID());
    expect((await attacker.publish(await stranger.member.createKeyPackage())).error?.code).toBe('invalid_payload');

    expect(Number(await h.t.platform.redis.hget(`mls:${roomId}:group`, 'epoch'))).toBe(epoch);
    expect((await seatedPeers()).filter((p) => p === attacker.peerId)).toHaveLength(1);
    await member.locator('[data-testid="key-holders"][data-holders="3"][data-people="3"][data-unknown="0"]').waitFor();
  });

  it('can at most swap its one leaf for the device\'s: the facilitator\'s app removes the old leaf as it adds the new', { timeout: 60_000 }, async () => {
    device.followCommits();
    await device.joinGroup({ rejoin: true });
    await codesAgree(() => device.member.safetyCode());
    expect((await seatedPeers()).filter((p) => p === attacker.peerId)).toHaveLength(1);
    await member.locator('[data-testid="key-holders"][data-holders="3"][data-people="3"][data-unknown="0"]').waitFor();
    await host.locator('[data-testid="key-holders"][data-holders="3"][data-people="3"][data-unknown="0"]').waitFor();
  });

  it('once removed, no key Melati\'s client or device ever held opens a later frame or chat message', { timeout: 120_000 }, async () => {
    const codeBefore = (await safetyCode(host)) ?? '';
    host.once('dialog', (dialog) => void dialog.accept());
    await host.locator('[data-name="Melati"]').getByTestId('tile-actions').click();
    await host.locator('[data-name="Melati"]').getByTestId('remove-one').click();
    await host.waitForFunction((before) => document.querySelector('[data-testid="safety-code"]')?.textContent !== before, codeBefore, { timeout: 10_000 });
    await codesAgree(async () => (await safetyCode(host)) ?? '');
    await member.locator('[data-testid="key-holders"][data-holders="2"][data-people="2"][data-unknown="0"]').waitFor();
    expect(await seatedPeers()).not.toContain(attacker.peerId);

    const melatiKeys = [...attacker.heldKeys, ...device.heldKeys];
    expect(melatiKeys.length).toBeGreaterThanOrEqual(3);
    const newKey = (await capturedKeys(host)).at(-1) as string;
    expect(melatiKeys).not.toContain(newKey);
    expect((await capturedKeys(member)).at(-1)).toBe(newKey);

    // Frames: what the SFU forwards from now on, tapped on the server, tried with every key Melati held.
    await host.waitForTimeout(1500);
    const room = h.t.platform.media.get(roomId);
    if (!room) throw new Error('room media not found');
    const packets = await tapProducers(room.mediaRouter, [...room.producers()], 2000);
    const frames: ProtectedFrame[] = packets.filter((p) => p.kind === 'audio' && p.payload.length > 0).map((p) => ({ codec: 'opus' as const, bytes: p.payload }));
    expect(frames.length).toBeGreaterThan(50);
    expect(await framesOpenedBy(frames, melatiKeys)).toBe(0);
    expect(await framesOpenedBy(frames, [newKey])).toBe(frames.length);

    // Chat: the facilitator writes; the relay's bytes, taken at the server, are tried with both of Melati's group states.
    const io = h.t.platform.io;
    const realTo = io.to.bind(io);
    const relayed: Uint8Array[] = [];
    (io as unknown as { to: (room: string) => unknown }).to = (target: string) => {
      const operator = realTo(target);
      return {
        emit: (event: string, payload: { message?: Uint8Array }, ...rest: unknown[]) => {
          if (event === 'mls:message' && payload.message) relayed.push(new Uint8Array(payload.message));
          return (operator.emit as (e: string, ...a: unknown[]) => boolean)(event, payload, ...rest);
        },
      };
    };
    try {
      await host.getByTestId('chat-input').fill('Terima kasih sudah berbagi hari ini.');
      await host.getByTestId('chat-input').press('Enter');
      await member.getByTestId('chat-theirs').filter({ hasText: 'Terima kasih sudah berbagi' }).waitFor({ timeout: 15_000 });
    } finally {
      (io as unknown as { to: typeof realTo }).to = realTo;
    }
    expect(relayed.length).toBeGreaterThan(0);
    for (const message of relayed) {
      for (const state of [attacker.member, device.member]) {
        await expect(state.decryptApplication(message)).rejects.toThrow();
      }
    }
  });
});
