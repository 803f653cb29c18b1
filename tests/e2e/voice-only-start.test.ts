import { demoAccounts } from '@care/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundMedia, waitForInboundMedia } from '../support/browser.js';
import { BrowserHarness } from '../support/browser-harness.js';
import { cameras, watchCameras } from '../support/camera-devices.js';
import { openSession, seriousViolations } from '../support/session-flow.js';
import { sfuMediaPicture } from '../support/sfu-media-picture.js';

/*
 * Issue 16, "Audio first": the client chooses voice only in the device
 * check. Their camera is let go of from that moment (its light goes out), so
 * nothing of it reaches the SFU; the counselor is told it is off, the voice
 * flows; the client can switch the camera on in the session, which opens it
 * and makes its producer then.
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
    const { page: client } = await h.signIn(asn.email, asn.password, { prepare: watchCameras });
    await client.getByTestId('open-session').click();
    await client.getByTestId('consent-accept').click();
    await client.getByTestId('preview-video').waitFor();

    // The choice, by keyboard: the camera is let go of (its light goes out) and the preview goes dark.
    await client.getByTestId('voice-only').focus();
    await client.keyboard.press('Space');
    expect(await client.getByTestId('voice-only').isChecked()).toBe(true);
    await expect.poll(() => cameras(client)).toEqual({ live: 0, opened: 1 });
    expect(await client.getByTestId('preview-video').evaluate((v: HTMLVideoElement) => (v.srcObject as MediaStream).getVideoTracks().length)).toBe(0);
    expect(await client.getByTestId('preview-video').evaluate((v) => getComputedStyle(v).visibility)).toBe('hidden');
    // Changing one's mind opens it again; choosing voice only again lets go of it again.
    await client.keyboard.press('Space');
    await expect.poll(() => cameras(client)).toEqual({ live: 1, opened: 2 });
    await client.keyboard.press('Space');
    await expect.poll(() => cameras(client)).toEqual({ live: 0, opened: 2 });
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
    // Not one video packet reached the counselor: the client's camera is not even open, so it has no camera producer.
    expect((await inboundMedia(host)).videoPacketsReceived).toBe(0);
    expect(await cameras(client)).toEqual({ live: 0, opened: 2 });
    const hostPeer = [...(room?.producers() ?? [])][0]?.peerId;
    const clientCamera = () => [...(room?.producers() ?? [])].find(({ peerId, producer }) => peerId !== hostPeer && producer.appData.source === 'camera')?.producer;
    expect(clientCamera()).toBeUndefined();
    // The client still sees the counselor.
    expect((await waitForInboundMedia(client)).videoFramesDecoded).toBeGreaterThan(0);

    // Voice only is a start, not a lock: the camera comes on with one click.
    await client.getByRole('button', { name: 'Nyalakan kamera' }).click();
    await host.getByTestId('remote-camera-off').waitFor({ state: 'detached', timeout: 15_000 });
    await expect.poll(async () => (await inboundMedia(host)).videoFramesDecoded, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(clientCamera()?.paused).toBe(false);
    expect(await cameras(client)).toEqual({ live: 1, opened: 3 });
  });
});
