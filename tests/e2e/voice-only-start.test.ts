import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundMedia, waitForInboundMedia } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { openSession, seriousViolations } from '../support/session-flow.js';
import { sfuMediaPicture } from '../support/sfu-media-picture.js';

/*
 * Issue 16, "Audio first": the client chooses voice only in the device
 * check. Their camera is held back at the SFU from the first moment (the join
 * says so), the counselor is told it is off, the voice flows; the client can
 * switch the camera on in the session.
 */

const [, asn] = demoAccounts;
let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start();
}, 120_000);

afterAll(() => h?.close());

describe('voice only from the device check', () => {
  it('joins with the camera off at the SFU, the counselor told; the camera can come on later', { timeout: 180_000 }, async () => {
    const [counselor] = demoAccounts;
    const { page: host } = await h.signIn(counselor.email, counselor.password);
    await openSession(host);
    const { page: client } = await h.signIn(asn.email, asn.password);
    await client.getByTestId('open-session').click();
    await client.getByTestId('consent-accept').click();
    await client.getByTestId('preview-video').waitFor();

    // The choice, by keyboard: the preview goes dark (the camera track is not used).
    await client.getByTestId('voice-only').focus();
    await client.keyboard.press('Space');
    expect(await client.getByTestId('voice-only').isChecked()).toBe(true);
    expect(await client.getByTestId('preview-video').evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream).getVideoTracks()[0]?.enabled)).toBe(false);
    expect(await seriousViolations(client)).toEqual([]);
    await client.getByTestId('devices-ready').click();
    await client.getByTestId('lobby').waitFor();
    await host.getByTestId('admit').click();
    await client.locator('[data-testid="encryption"][data-state="encrypted"]').waitFor({ timeout: 30_000 });

    // The counselor hears the client, sees that the camera is off, and gets no picture.
    await host.getByTestId('remote-camera-off').waitFor({ timeout: 30_000 });
    expect(await host.getByTestId('remote-camera-off').textContent()).toContain(asn.displayName);
    const appointment = await h.t.platform.db.appointments.findOne({});
    const room = h.t.platform.media.get(appointment?.roomId ?? '');
    await expect
      .poll(async () => (await inboundMedia(host)).audioPacketsReceived, { timeout: 30_000 })
      .toBeGreaterThan(50)
      .catch(async (error: unknown) => {
        // Which link is missing: the client's producer, the counselor's consumer, or the page.
        throw new Error(`the counselor hears nothing of the client; at the SFU:\n${await sfuMediaPicture(room, [...(room?.peerIds() ?? [])])}`, { cause: error });
      });
    expect((await inboundMedia(host)).videoFramesDecoded).toBe(0);
    // At the SFU: the client's camera producer is held from its creation, so not one video packet reached the counselor.
    // (The browser sends a moment of sealed black frames before its producer pauses; the SFU keeps them: see the report.)
    expect((await inboundMedia(host)).videoPacketsReceived).toBe(0);
    const hostPeer = [...(room?.producers() ?? [])][0]?.peerId;
    const camera = [...(room?.producers() ?? [])].find(({ peerId, producer }) => peerId !== hostPeer && producer.appData.source === 'camera')?.producer;
    if (!camera) throw new Error('the client made no camera producer');
    expect(camera.paused).toBe(true);
    // The client still sees the counselor.
    expect((await waitForInboundMedia(client)).videoFramesDecoded).toBeGreaterThan(0);

    // Voice only is a start, not a lock: the camera comes on with one click.
    await client.getByRole('button', { name: 'Nyalakan kamera' }).click();
    await host.getByTestId('remote-camera-off').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(async () => (await inboundMedia(host)).videoFramesDecoded, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(camera.paused).toBe(false);
  });
});
