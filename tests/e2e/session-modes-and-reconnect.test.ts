import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowOver, waitForInboundMedia } from '../support/browser.js';
import { BrowserHarness, type SignedIn } from '../support/browser-harness.js';
import type { TestPlatform } from '../support/test-platform.js';

const [, asn] = demoAccounts;
let h: BrowserHarness;
let t: TestPlatform;
let host: SignedIn;
let client: SignedIn;

/** This browser's stored MLS signing key (public half), hex. */
async function deviceKey(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const open = indexedDB.open('care-asn-e2ee');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const get = open.result.transaction('device').objectStore('device').get('signature-key');
          get.onerror = () => reject(get.error);
          get.onsuccess = () => {
            const key = (get.result as { publicKey?: Uint8Array } | undefined)?.publicKey;
            resolve(key ? Array.from(key, (b) => b.toString(16).padStart(2, '0')).join('') : '');
          };
        };
      }),
  );
}

beforeAll(async () => {
  h = await BrowserHarness.start();
  t = h.t;
  ({ host, client } = await h.sessionPair());
  expect((await waitForInboundMedia(client.page)).videoFramesDecoded).toBeGreaterThan(0);
  expect((await waitForInboundMedia(host.page)).videoFramesDecoded).toBeGreaterThan(0);
});

afterAll(() => h?.close());

describe('low-bandwidth modes and reconnection', () => {
  it('audio only: the SFU stops the video to and from this person; audio goes on; back to full restores it', async () => {
    await client.page.getByTestId('mode-audio-only').check();
    await client.page.getByTestId('mode-placeholder').waitFor();
    await client.page.waitForTimeout(1000);
    const received = await flowOver(client.page, 2000);
    expect(received.video).toBe(0);
    expect(received.audio).toBeGreaterThan(20);
    // Nor does the counselor receive the client's video any more.
    await host.page.waitForTimeout(500);
    expect((await flowOver(host.page, 2000)).video).toBe(0);

    await client.page.getByTestId('mode-full').check();
    await client.page.getByTestId('mode-placeholder').waitFor({ state: 'detached' });
    await client.page.waitForTimeout(1500);
    expect((await flowOver(client.page, 2000)).decoded).toBeGreaterThan(0);
    expect((await flowOver(host.page, 2000)).decoded).toBeGreaterThan(0);
  });

  it('comes back by itself after 15 s offline: rejoins room and group, media flows again, no reload', async () => {
    await client.page.evaluate(() => {
      (window as unknown as { __sameDocument: boolean }).__sameDocument = true;
    });
    const codeBefore = await client.page.getByTestId('safety-code').textContent();
    const keyBefore = await deviceKey(client.page);
    expect(keyBefore).toMatch(/^[0-9a-f]{64}$/);
    const appointment = await t.platform.db.appointments.findOne({});
    const peersBefore = t.platform.media.get(appointment?.roomId ?? '')?.peerCount;
    expect(peersBefore).toBe(2);

    // The network goes: new connections fail, and the server sees this one drop
    // (as it would after its ping timeout, here at once).
    await client.context.setOffline(true);
    const asnId = (await t.platform.db.users.findOne({ email: asn.email }))?.id as string;
    for (const socket of t.platform.io.sockets.sockets.values()) {
      if (socket.data.user?.id === asnId) socket.conn.close();
    }
    await client.page.locator('[data-testid="connection-state"][data-state="reconnecting"]').waitFor();
    await host.page.getByTestId('other-left').waitFor();
    await client.page.waitForTimeout(15_000);
    expect(t.platform.media.get(appointment?.roomId ?? '')?.peerCount).toBe(1);
    await client.context.setOffline(false);

    // Rejoined the room and a new MLS epoch, end-to-end encrypted again, with media both ways.
    await client.page.locator('[data-testid="connection-state"][data-state="connected"]').waitFor({ timeout: 30_000 });
    await client.page.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 30_000 });
    expect(await client.page.getByTestId('safety-code').textContent()).not.toBe(codeBefore);
    // The same device signs with the same key across room visits; another device has its own.
    expect(await deviceKey(client.page)).toBe(keyBefore);
    expect(await deviceKey(host.page)).not.toBe(keyBefore);
    expect(t.platform.media.get(appointment?.roomId ?? '')?.peerCount).toBe(2);
    await expect.poll(async () => (await flowOver(client.page, 1000)).decoded, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await flowOver(host.page, 1000)).decoded, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await client.page.evaluate(() => (window as unknown as { __sameDocument?: boolean }).__sameDocument)).toBe(true);
  });
});
