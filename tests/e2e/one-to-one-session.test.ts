import { demoAccounts } from '@care/server';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newMediaContext, waitForInboundMedia } from '../support/browser.js';
import { keyHolders } from '../support/group-view.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';
import { encryptionState, openSession, seriousViolations, signIn as signInWith } from '../support/session-flow.js';

const [counselor, asn] = demoAccounts;
let server: ServerProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  server = await startServerProcess();
  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.stop();
});

async function signIn(email: string, password: string): Promise<Page> {
  const { context, page } = await signInWith(browser, server.url, email, password);
  contexts.push(context);
  return page;
}

describe('a 1:1 video and chat session in two Chromium contexts', () => {
  it('shows the sign-in page in Indonesian first, with an English switch, and no serious axe violations', async () => {
    const context = await newMediaContext(browser, server.url);
    contexts.push(context);
    const page = await context.newPage();
    await page.goto('/');
    await page.getByRole('heading', { name: 'Masuk' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('id');
    expect(await seriousViolations(page)).toEqual([]);
    // Crisis lines are reachable before signing in, as configured for the region.
    await page.getByText('Butuh bantuan segera?').click();
    await page.getByTestId('help-lines').filter({ hasText: '119 ext 8' }).waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
  });

  let host: Page;
  let client: Page;

  it('lobby, admit, two-way video and audio, chat both ways, and the leave notice', async () => {
    // The counselor opens the session and waits in the room.
    host = await signIn(counselor.email, counselor.password);
    await openSession(host);
    await host.getByTestId('waiting-for-other').waitFor();

    // The client passes the device check and waits in the lobby, seeing the counselor online.
    // First time: the client reads what confidentiality means (and its limits) before anything else.
    client = await signIn(asn.email, asn.password);
    await client.getByTestId('open-session').click();
    await client.getByTestId('consent').waitFor();
    expect(await seriousViolations(client)).toEqual([]);
    await client.getByTestId('consent-accept').click();
    await client.getByTestId('preview-video').waitFor();
    // The pre-join check measures the way to our own server.
    await client.getByTestId('network-result').filter({ hasText: 'Mbit/s' }).waitFor();
    await client.getByTestId('test-speaker').click();
    await client.getByTestId('devices-ready').click();
    await client.getByTestId('lobby').waitFor();
    await client.locator('[data-testid="counselor-presence"][data-online="true"]').waitFor();
    expect(await seriousViolations(client)).toEqual([]);

    // The counselor sees the knock, says they are running late, then admits.
    const admit = host.getByTestId('admit');
    await admit.waitFor();
    expect(await host.getByTestId('announcement').textContent()).toContain(asn.displayName);
    await host.getByTestId('late-5').click();
    await client.getByTestId('late-notice').waitFor();
    expect(await client.getByTestId('late-notice').textContent()).toContain('5 menit');
    await admit.click();

    // Both see and hear each other: real decoded frames and received audio packets.
    await client.getByTestId('remote-video').waitFor();
    await host.getByTestId('remote-video').waitFor();
    const clientMedia = await waitForInboundMedia(client);
    const hostMedia = await waitForInboundMedia(host);
    expect(clientMedia.videoFramesDecoded).toBeGreaterThan(0);
    expect(clientMedia.audioPacketsReceived).toBeGreaterThan(0);
    expect(hostMedia.videoFramesDecoded).toBeGreaterThan(0);
    expect(hostMedia.audioPacketsReceived).toBeGreaterThan(0);
    await host.locator('[data-testid="connection-state"][data-state="connected"]').waitFor();

    // End-to-end encrypted, and both screens show the same safety code.
    await host.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor();
    await client.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor();
    const hostCode = await host.getByTestId('safety-code').textContent();
    expect(hostCode).toMatch(/^\d{5}( \d{5}){5}$/);
    expect(await client.getByTestId('safety-code').textContent()).toBe(hostCode);
    // What each screen says of the group comes from the group: two hold the key, two are here, nobody else.
    for (const page of [host, client]) await keyHolders(page, 2, 2);
    expect(await client.getByTestId('key-holders').textContent()).toContain('2 orang memegang kunci · 2 orang di sesi');
    await host.getByTestId('confirm-code').click();
    await host.locator('[data-testid="encryption"][data-state="verified"]').waitFor();

    // Both see the session timer; the panic key hides everything and brings it back.
    await client.getByTestId('session-timer').waitFor();
    await client.keyboard.press('Escape');
    await client.getByTestId('panic-cover').waitFor();
    // The cover is what shows, wherever one looks.
    const covered = await client.evaluate(() =>
      [
        [0.1, 0.1],
        [0.5, 0.5],
        [0.9, 0.9],
      ].every(([x, y]) => document.elementFromPoint(innerWidth * x!, innerHeight * y!)?.closest('[data-testid="panic-cover"]') !== null),
    );
    expect(covered).toBe(true);
    expect(await client.getByRole('button', { name: 'Nyalakan mikrofon' }).count()).toBe(1);
    await client.keyboard.press('Escape');
    await client.getByTestId('panic-cover').waitFor({ state: 'detached' });
    await client.getByRole('button', { name: 'Matikan mikrofon' }).waitFor();

    // Chat round trip.
    await client.getByTestId('chat-input').fill('Selamat siang, Bu.');
    await client.getByTestId('chat-input').press('Enter');
    await host.getByTestId('chat-theirs').filter({ hasText: 'Selamat siang, Bu.' }).waitFor();
    await host.getByTestId('chat-input').fill('Siang, silakan bercerita.');
    await host.getByRole('button', { name: 'Kirim' }).click();
    await client.getByTestId('chat-theirs').filter({ hasText: 'Siang, silakan bercerita.' }).waitFor();
    expect(await seriousViolations(host)).toEqual([]);

    // The client may give the counselor an emergency contact: end-to-end encrypted, shown, never stored.
    await client.getByText('Bagikan kontak darurat (pilihan)').click();
    await client.getByTestId('ec-name').fill('Siti');
    await client.getByTestId('ec-phone').fill('bukan nomor');
    await client.getByTestId('ec-send').click();
    await client.getByRole('alert').filter({ hasText: 'nomor telepon' }).waitFor();
    await client.getByTestId('ec-phone').fill('+62 812-3456-7890');
    await client.getByTestId('ec-send').click();
    await client.getByTestId('emergency-shared').waitFor();
    await host.getByTestId('emergency-contact').filter({ hasText: '+62 812-3456-7890' }).waitFor();

    // The client leaves; the counselor is told, and the group moves to a new epoch without them.
    const codeBefore = await host.getByTestId('safety-code').textContent();
    await client.getByTestId('leave').click();
    await client.getByTestId('left').waitFor();
    await host.getByTestId('other-left').waitFor();
    expect(await host.getByTestId('other-left').textContent()).toContain(asn.displayName);
    await host.waitForFunction(
      (before) => document.querySelector('[data-testid="safety-code"]')?.textContent !== before,
      codeBefore,
      { timeout: 2000 },
    );
  });

  it('remembers a verified device for the next visit, and says so when that device changes', async () => {
    /** The client goes back into the session (the counselor is still there) and both hold the new epoch's keys. */
    async function clientReturns(): Promise<void> {
      await client.goto('/appointments');
      await openSession(client);
      const admit = host.getByTestId('admit');
      await Promise.race([client.getByTestId('remote-video').waitFor(), admit.waitFor()]);
      if (await admit.isVisible()) await admit.click();
      await client.locator('[data-testid="encryption"]:is([data-state="encrypted"], [data-state="verified"])').waitFor();
      await host.locator('[data-testid="encryption"]:is([data-state="encrypted"], [data-state="verified"])').waitFor();
    }

    // The counselor confirmed the code last time, with this same device of the client: verified at once.
    await clientReturns();
    await host.locator('[data-testid="encryption"][data-state="verified"]').waitFor();
    expect(await host.getByTestId('verified-before').isVisible()).toBe(true);
    // The client never confirmed: they still compare, then confirm.
    expect(await encryptionState(client)).toBe('encrypted');
    expect(await client.getByTestId('safety-code').textContent()).toBe(await host.getByTestId('safety-code').textContent());
    await client.getByTestId('confirm-code').click();
    await client.locator('[data-testid="encryption"][data-state="verified"]').waitFor();
    expect(await seriousViolations(host)).toEqual([]);

    // The client comes back on a new device key (their browser storage cleared, as on a new phone).
    await client.getByTestId('leave').click();
    await client.getByTestId('left').waitFor();
    await host.getByTestId('other-left').waitFor();
    await client.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const request = indexedDB.deleteDatabase('care-asn-e2ee');
          request.onsuccess = () => resolve();
          request.onerror = () => reject(new Error('could not clear the device key'));
        }),
    );
    await clientReturns();
    // The counselor is warned and asked to compare again; the client, whose view of the counselor's device is unchanged, is not.
    await host.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor();
    await host.getByTestId('device-changed').waitFor();
    await client.locator('[data-testid="encryption"][data-state="verified"]').waitFor();
    expect(await client.getByTestId('device-changed').count()).toBe(0);
    expect(await seriousViolations(host)).toEqual([]);
    // Comparing again settles it.
    await host.getByTestId('confirm-code').click();
    await host.locator('[data-testid="encryption"][data-state="verified"]').waitFor();
    expect(await host.getByTestId('device-changed').count()).toBe(0);
  });
});
