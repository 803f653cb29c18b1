import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitForInboundMedia } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { openSession } from '../support/session-flow.js';

/*
 * Issue 15, "Use the wait": a client's page in the lobby gets ready to be let
 * in (its peer held at the SFU, both transports connected, a KeyPackage
 * held), says so, and is let in straight from there.
 */

const [counselor, asn] = demoAccounts;
let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start();
}, 120_000);

afterAll(() => h?.close());

describe('the lobby prepares the page', () => {
  it('says it is ready while waiting, and the admitted client sees the counselor', { timeout: 180_000 }, async () => {
    const { page: host } = await h.signIn(counselor.email, counselor.password);
    await openSession(host);
    const { page: client } = await h.signIn(asn.email, asn.password);
    const console: string[] = [];
    client.on('console', (m) => console.push(`${m.type()}: ${m.text()}`));
    await client.getByTestId('open-session').click();
    await client.getByTestId('consent-accept').click();
    await client.getByTestId('preview-video').waitFor();
    await client.getByTestId('devices-ready').click();
    await client.getByTestId('lobby').waitFor();
    try {
      await client.locator('[data-testid="lobby"][data-prepared="true"]').waitFor({ timeout: 30_000 });
    } catch (error) {
      throw new Error(`not prepared: ${console.join('\n')}`, { cause: error });
    }
    // Two connected transports before anyone let the client in.
    const states = await client.evaluate(() =>
      (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections.map((pc) => pc.connectionState),
    );
    expect(states.filter((s) => s === 'connected')).toHaveLength(2);
    await host.getByTestId('admit').click();
    await waitForInboundMedia(client);
    await waitForInboundMedia(host);
  });
});
