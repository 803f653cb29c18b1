import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundMedia } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { speechWav } from '../support/fake-microphone.js';
import { capturedKeys, withKeyCapture } from '../support/key-capture.js';
import { tapProducers, vp8FrameBytes } from '../support/rtp-tap.js';
import { openSessionById, seriousViolations } from '../support/session-flow.js';
import { framesOpenedBy, type ProtectedFrame } from '../support/sframe-attempt.js';

/*
 * A support circle in five Chromium contexts on the real stack: the
 * facilitator and three members under pseudonyms, a latecomer, the floor
 * (hands, reactions, mute all, lock, remove with re-keying, end for all),
 * end-to-end encrypted throughout.
 */
const facilitator = demoAccounts[0];
const asns = demoAccounts.filter((a) => a.role === 'asn');
const [m1, m2, m3, late] = asns;
const PSEUDONYMS = ['Melati', 'Anggrek', 'Kenanga'];

let h: BrowserHarness;
let meetingId: string;
let roomId: string;
let host: Page;
const members: Page[] = [];

beforeAll(async () => {
  // A microphone that talks (fake-microphone.ts), so the SFU's active-speaker observer hears whoever has theirs open.
  h = await BrowserHarness.start({}, {}, { extraArgs: [`--use-file-for-fake-audio-capture=${speechWav()}`] });
  const meeting = await h.t.platform.db.connection.collection('circle_meetings').findOne({});
  meetingId = String(meeting?._id);
  roomId = String(meeting?.roomId);
});

afterAll(() => h?.close());

async function audioPacketsOver(page: Page, ms: number): Promise<number> {
  const before = (await inboundMedia(page)).audioPacketsReceived;
  await page.waitForTimeout(ms);
  return (await inboundMedia(page)).audioPacketsReceived - before;
}

/** How many inbound video streams received packets over `ms` (one per sender forwarded). */
async function videoStreamsFlowing(page: Page, ms: number): Promise<number> {
  const snapshot = () =>
    page.evaluate(async () => {
      const bySsrc: Record<string, number> = {};
      for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
        if (pc.connectionState === 'closed') continue;
        (await pc.getStats()).forEach((s: { type: string; kind?: string; ssrc?: number; packetsReceived?: number }) => {
          if (s.type === 'inbound-rtp' && s.kind === 'video' && s.ssrc !== 1234) bySsrc[String(s.ssrc)] = s.packetsReceived ?? 0;
        });
      }
      return bySsrc;
    });
  const before = await snapshot();
  await page.waitForTimeout(ms);
  const after = await snapshot();
  return Object.keys(after).filter((ssrc) => (after[ssrc] ?? 0) - (before[ssrc] ?? 0) > 5).length;
}

/** How many signature keys the page's device store holds (web/src/lib/e2ee/device-identity.ts). */
function storedDeviceKeyCount(page: Page): Promise<number> {
  return page.evaluate(async () => {
    // Looking must not create the store: the app makes it on first use.
    if (!(await indexedDB.databases()).some((d) => d.name === 'care-asn-e2ee')) return 0;
    return new Promise<number>((resolve, reject) => {
      const open = indexedDB.open('care-asn-e2ee');
      open.onerror = () => reject(new Error('cannot open the device store'));
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('device')) {
          db.close();
          resolve(0);
          return;
        }
        const count = db.transaction('device', 'readonly').objectStore('device').count();
        count.onsuccess = () => {
          db.close();
          resolve(count.result);
        };
        count.onerror = () => reject(new Error('cannot count device keys'));
      };
    });
  });
}

const safetyCode = (page: Page) => page.getByTestId('safety-code').textContent();

describe('a support circle: facilitator and three members', () => {
  it('the facilitator opens the meeting; members wait under their pseudonyms with the camera off; admit all', { timeout: 180_000 }, async () => {
    ({ page: host } = await h.signIn(facilitator.email, facilitator.password, { prepare: withKeyCapture }));
    await openSessionById(host, meetingId);
    await host.getByTestId('circle-grid').waitFor();

    for (const [index, account] of [m1, m2, m3].entries()) {
      if (!account) throw new Error('demo members missing');
      const { page } = await h.signIn(account.email, account.password, { prepare: withKeyCapture });
      await page.goto(`/session/${meetingId}`);
      await page.getByTestId('consent-accept').click();
      // The pre-join page says how they will appear, and that the camera starts off.
      await page.getByTestId('circle-intro').filter({ hasText: PSEUDONYMS[index] }).waitFor();
      if (index === 0) expect(await seriousViolations(page)).toEqual([]);
      await page.getByTestId('devices-ready').click();
      await page.getByTestId('lobby').waitFor();
      members.push(page);
    }
    expect(await seriousViolations(members[0] as Page)).toEqual([]);

    await host.getByTestId('admit-all').waitFor();
    const waiting = await host.getByTestId('admit').allTextContents();
    expect(waiting.join(' ')).toMatch(/Melati/);
    await host.getByTestId('admit-all').click();
    for (const page of [host, ...members]) await page.locator('[data-testid="circle-grid"][data-count="4"]').waitFor({ timeout: 30_000 });
  });

  it('shows only pseudonyms among members, encrypts for all with one safety code, and starts with cameras off', { timeout: 120_000 }, async () => {
    for (const [index, page] of members.entries()) {
      const names = await page.getByTestId('tile-remote').evaluateAll((tiles) => tiles.map((t) => t.getAttribute('data-name')));
      expect(names.sort()).toEqual([facilitator.displayName, ...PSEUDONYMS.filter((_, i) => i !== index)].sort());
      const text = (await page.textContent('body')) ?? '';
      for (const other of [m1, m2, m3]) if (other) expect(text).not.toContain(other.displayName);
    }
    for (const page of [host, ...members]) await page.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 30_000 });
    const code = await safetyCode(host);
    expect(code).toMatch(/^\d{5}( \d{5}){5}$/);
    // Members under a pseudonym sign with a key made for this visit: no device key is stored that
    // could link their pseudonyms across circles. The facilitator, under their own name, keeps theirs.
    expect(await storedDeviceKeyCount(members[0] as Page)).toBe(0);
    expect(await storedDeviceKeyCount(host)).toBe(1);
    for (const page of members) expect(await safetyCode(page)).toBe(code);

    // Cameras start off: everyone hears the others, nobody receives a picture.
    expect(await audioPacketsOver(host, 2000)).toBeGreaterThan(50);
    expect((await inboundMedia(host)).videoFramesDecoded).toBe(0);
    // Each tile shows how well that person's media arrives.
    await host.locator('[data-name="Melati"] [data-testid="quality"]').waitFor();
    // One member chooses to be seen: the others decode their (encrypted) video.
    await (members[0] as Page).getByRole('button', { name: 'Nyalakan kamera' }).click();
    await host.waitForFunction(
      async () => {
        let frames = 0;
        for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
          if (pc.connectionState === 'closed') continue;
          (await pc.getStats()).forEach((s: { type: string; kind?: string; framesDecoded?: number }) => {
            if (s.type === 'inbound-rtp' && s.kind === 'video') frames += s.framesDecoded ?? 0;
          });
        }
        return frames > 0;
      },
      undefined,
      { timeout: 20_000, polling: 500 },
    );
    expect(await seriousViolations(host)).toEqual([]);
    expect(await seriousViolations(members[1] as Page)).toEqual([]);
  });

  it('raised hands queue in order for the facilitator; reactions arrive encrypted', { timeout: 120_000 }, async () => {
    const [first, second] = members as [Page, Page];
    await second.getByTestId('raise-hand').click();
    await first.getByTestId('raise-hand').click();
    await host.getByTestId('hand-queue').locator('li').nth(1).waitFor();
    expect((await host.getByTestId('hand-queue').locator('li').allTextContents()).map((t) => t.split('Turunkan')[0]?.trim())).toEqual([
      'Anggrek',
      'Melati',
    ]);
    await host.locator('[data-name="Anggrek"][data-hand="true"]').waitFor();
    await second.getByTestId('raise-hand').click();
    await host.locator('[data-name="Anggrek"][data-hand="false"]').waitFor();

    await first.getByTestId('react-heart').click();
    await host.locator('[data-name="Melati"]').filter({ hasText: '💚' }).waitFor();
    await second.getByTestId('announcement').filter({ hasText: 'Melati' }).waitFor();
  });

  it('mute all: members are told, see their microphones off, and the SFU stops their audio', { timeout: 120_000 }, async () => {
    await host.getByTestId('mute-all').click();
    for (const page of members) {
      await page.getByTestId('moderated-notice').waitFor();
      await page.getByRole('button', { name: 'Nyalakan mikrofon' }).waitFor();
    }
    for (const name of PSEUDONYMS) await host.locator(`[data-name="${name}"][data-mic="false"]`).waitFor();
    await host.waitForTimeout(500);
    expect(await audioPacketsOver(host, 2000)).toBeLessThan(10);
    // Only the member can switch their microphone back on.
    await (members[0] as Page).getByRole('button', { name: 'Nyalakan mikrofon' }).click();
    await host.locator('[data-name="Melati"][data-mic="true"]').waitFor();
    expect(await audioPacketsOver(host, 2000)).toBeGreaterThan(20);
  });

  it('"receive less": a member gets only the active speaker\'s video, and everyone\'s again after', { timeout: 120_000 }, async () => {
    const viewer = members[1] as Page;
    await host.getByRole('button', { name: 'Nyalakan kamera' }).click();
    await host.getByRole('button', { name: 'Matikan mikrofon' }).click();
    // Melati is now the only open microphone, so the SFU's active-speaker observer picks her.
    await viewer.locator('[data-name="Melati"][data-speaking="true"]').waitFor({ timeout: 20_000 });
    expect(await videoStreamsFlowing(viewer, 2500)).toBe(2);
    await viewer.getByTestId('mode-speaker-only').check();
    await viewer.waitForTimeout(1000);
    expect(await videoStreamsFlowing(viewer, 2500)).toBe(1);
    await viewer.getByTestId('mode-full').check();
    await viewer.waitForTimeout(1000);
    expect(await videoStreamsFlowing(viewer, 2500)).toBe(2);
  });

  it('a locked room keeps a latecomer in the lobby with a clear message', { timeout: 120_000 }, async () => {
    await host.getByTestId('lock').click();
    await host.getByTestId('locked-notice').waitFor();
    if (!late) throw new Error('no late member');
    const { page } = await h.signIn(late.email, late.password);
    await openSessionById(page, meetingId);
    await page.getByTestId('lobby-locked').waitFor();
    await host.getByTestId('lock').click();
    await page.getByTestId('knock-again').click();
    await host.getByTestId('admit').filter({ hasText: 'Mawar' }).waitFor();
  });

  it('removing a member: they leave at once, the group re-keys within 2 s, they never held the new key, and none of their keys opens what is sent after', { timeout: 120_000 }, async () => {
    const removed = members[2] as Page;
    const stays = members[0] as Page;
    const codeBefore = await safetyCode(host);
    host.once('dialog', (dialog) => void dialog.accept());
    await host.locator('[data-name="Kenanga"]').getByTestId('tile-actions').click();
    await host.locator('[data-name="Kenanga"]').getByTestId('remove-one').click();
    await removed.getByTestId('removed').waitFor();
    await host.locator('[data-testid="circle-grid"][data-count="3"]').waitFor();
    await host.waitForFunction((before) => document.querySelector('[data-testid="safety-code"]')?.textContent !== before, codeBefore, {
      timeout: 2000,
    });
    await stays.waitForFunction((before) => document.querySelector('[data-testid="safety-code"]')?.textContent !== before, codeBefore, {
      timeout: 5000,
    });
    expect(await safetyCode(stays)).toBe(await safetyCode(host));

    // The removed member's browser receives nothing more, and never had the keys of the new epoch.
    expect(await removed.evaluate(() => (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.every((pc) => pc.connectionState === 'closed'))).toBe(true);
    const heldByRemoved = new Set(await capturedKeys(removed));
    const newKey = (await capturedKeys(host)).at(-1);
    expect(newKey).toBeDefined();
    expect(heldByRemoved.has(newKey as string)).toBe(false);
    expect((await capturedKeys(stays)).at(-1)).toBe(newKey);
    // What the others send from now on is sealed against every key the removed member ever held:
    // a spy on the SFU gives the frames to those keys, and none opens; the new key opens them all.
    await host.waitForTimeout(1500);
    const room = h.t.platform.media.get(roomId);
    if (!room) throw new Error('room media not found');
    const packets = await tapProducers(room.mediaRouter, [...room.producers()], 2000);
    const frames: ProtectedFrame[] = [
      ...packets.filter((p) => p.kind === 'audio').map((p) => ({ codec: 'opus' as const, bytes: p.payload })),
      ...packets
        .filter((p) => p.kind === 'video')
        .map((p) => vp8FrameBytes(p.payload))
        .filter((f) => f.startsFrame && f.bytes.length > 0)
        .map((f) => ({ codec: 'vp8' as const, bytes: f.bytes })),
    ].filter((f) => f.bytes.length > 0);
    expect(frames.length).toBeGreaterThan(50);
    expect(await framesOpenedBy(frames, [...heldByRemoved])).toBe(0);
    expect(await framesOpenedBy(frames.filter((f) => f.codec === 'opus'), [newKey as string])).toBe(frames.filter((f) => f.codec === 'opus').length);
    // Coming back by the address is refused.
    await removed.goto(`/session/${meetingId}`);
    await removed.getByTestId('devices-ready').click();
    await removed.getByRole('alert').filter({ hasText: 'tidak dapat masuk lagi' }).waitFor();
  });

  it('ends the session for all', { timeout: 30_000 }, async () => {
    host.once('dialog', (dialog) => void dialog.accept());
    await host.getByTestId('end-for-all').click();
    for (const page of [host, members[0] as Page, members[1] as Page]) await page.getByTestId('session-ended').waitFor();
  });
});
