import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { demoAccounts } from '@care/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowOver, launchChromium, waitForInboundMedia } from '../support/browser.js';
import { LossyLink } from '../support/lossy-link.js';
import { openSession, seriousViolations, signIn } from '../support/session-flow.js';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.js';

/*
 * Issue 16, "Audio first, chat as the fallback", on a really lossy network:
 * the client's browser runs in a network namespace whose incoming UDP is
 * dropped at random by nftables (tests/support/lossy-link.ts), so what its
 * getStats reports is real loss, with retransmissions and FEC doing what they
 * can. The server listens on the host's end of the link; both browsers treat
 * that http origin as secure (a flag), as they do localhost.
 */

const [counselor, asn] = demoAccounts;
const webBuild = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/build');
let link: LossyLink;
let t: TestPlatform;
const browsers: Browser[] = [];
let host: Page;
let client: Page;

/** What the page's connection indicator says it measured (its text alternative). */
function measured(page: Page): Promise<string | null> {
  return page.getByTestId('connection-state').getByTestId('quality').getAttribute('title');
}

beforeAll(async () => {
  link = await LossyLink.create();
  t = await startTestPlatform({ WEB_BUILD_DIR: webBuild, LOG_LEVEL: 'info', HOST: link.hostAddress, MEDIA_LISTEN_IP: link.hostAddress });
  const origin = `http://${link.hostAddress}:${t.platform.port}`;
  const secure = [`--unsafely-treat-insecure-origin-as-secure=${origin}`];
  const here = await launchChromium({ extraArgs: secure });
  const there = await launchChromium({ extraArgs: secure, executablePath: link.chromiumPath });
  browsers.push(here, there);
  host = (await signIn(here, origin, counselor.email, counselor.password)).page;
  await openSession(host);
  client = (await signIn(there, origin, asn.email, asn.password)).page;
  await openSession(client);
  await host.getByTestId('admit').click();
  await client.getByTestId('remote-video').waitFor();
  expect((await waitForInboundMedia(client)).videoFramesDecoded).toBeGreaterThan(0);
  expect((await waitForInboundMedia(host)).videoFramesDecoded).toBeGreaterThan(0);
}, 180_000);

afterAll(async () => {
  for (const browser of browsers) await browser.close().catch(() => undefined);
  await t?.close();
  await link?.close();
});

describe('a connection that stays poor', () => {
  it('offers voice only, then chat only when the voice breaks up too; each a click, announced, and back to full after', { timeout: 300_000 }, async () => {
    // A clean line first: no offer.
    await client.waitForTimeout(4000);
    expect(await client.getByTestId('connection-offer').count()).toBe(0);

    // Heavy loss on the client's incoming media: video and voice both suffer.
    await link.setLoss(35);
    const voiceOnly = client.locator('[data-testid="connection-offer"][data-offer="audio-only"]');
    await voiceOnly.waitFor({ timeout: 60_000 });
    console.log(`offer of voice only, measured: ${await measured(client)}; packets dropped by the link: ${await link.dropped()}`);
    expect(await link.dropped()).toBeGreaterThan(100);
    await expect.poll(() => client.getByTestId('announcement').textContent()).toContain('Beralih ke hanya suara');
    expect(await seriousViolations(client)).toEqual([]);

    await client.getByTestId('offer-accept').click();
    await client.locator('[data-testid="fell-back"][data-mode="audio-only"]').waitFor();
    expect(await client.getByTestId('mode-audio-only').isChecked()).toBe(true);
    // Voice only at the SFU: no video reaches the client, the voice does.
    await client.waitForTimeout(1500);
    const inVoiceOnly = await flowOver(client, 2000);
    expect(inVoiceOnly.video).toBe(0);
    expect(inVoiceOnly.audio).toBeGreaterThan(10);

    // The voice is breaking up as well (over a fifth of it lost for 10 s): chat only is offered.
    const chatOnly = client.locator('[data-testid="connection-offer"][data-offer="chat-only"]');
    await chatOnly.waitFor({ timeout: 60_000 });
    console.log(`offer of chat only, measured: ${await measured(client)}`);
    await expect.poll(() => client.getByTestId('announcement').textContent()).toContain('hanya obrolan');
    await client.getByTestId('offer-accept').click();
    await client.locator('[data-testid="fell-back"][data-mode="chat-only"]').waitFor();

    // The same encrypted session carries on in writing.
    await client.getByTestId('chat-input').fill('Saya lanjut lewat obrolan saja.');
    await client.getByTestId('chat-input').press('Enter');
    await host.getByTestId('chat-theirs').filter({ hasText: 'lanjut lewat obrolan' }).waitFor({ timeout: 30_000 });
    await client.waitForTimeout(1500);
    expect(await flowOver(client, 2000)).toMatchObject({ video: 0, audio: 0 });

    // The line recovers; one click brings video and voice back.
    await link.setLoss(0);
    await client.getByTestId('back-to-full').click();
    await client.getByTestId('fell-back').waitFor({ state: 'detached' });
    expect(await client.getByTestId('mode-full').isChecked()).toBe(true);
    await expect.poll(async () => (await flowOver(client, 1000)).decoded, { timeout: 30_000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await flowOver(client, 1000)).audio, { timeout: 30_000 }).toBeGreaterThan(10);
  });
});
