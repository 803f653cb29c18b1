import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserHarness } from '../support/browser-harness.js';
import { decodedStreams } from '../support/decoded-streams.js';
import { encryptedAndDecoding, encryptionState } from '../support/session-flow.js';
import { captureWorkerCounts, workerCounts } from '../support/worker-counts.js';

/*
 * Now and then Chromium attaches a receiver's decrypting transform in the
 * frame worker (its rtctransform event fires) but never hands it a frame
 * (Chromium issue 467247265): that person's tile or voice stays dark while
 * their packets keep arriving (circle-churn's intermittent dark tiles). The
 * page watches for it (web/src/lib/rtc/receive-transform-watch.ts) and gives
 * such a receiver a new transform from its frame worker. The race cannot be
 * called up on demand, so this test makes the same state by hand in a real
 * 1:1: the client's video receiver gets a transform of a second, keyless
 * copy of the frame worker, so its frames stop reaching the page's own
 * worker (and, without keys, are dropped: the picture goes dark). The watch
 * must notice and put the page's own transform back: the picture returns,
 * and the stray copy gets no frame any more.
 */

let h: BrowserHarness;

beforeAll(async () => {
  h = await BrowserHarness.start();
}, 180_000);

afterAll(async () => {
  await h?.close();
});

const strayCount = async (page: Parameters<typeof workerCounts>[0]) => (await workerCounts(page)).find((t) => t.trackId === 'stray')?.noKey ?? 0;

describe('a receiver whose frames stop reaching the frame worker', () => {
  it('gets its decrypting transform back and decodes again', { timeout: 180_000 }, async () => {
    const { host, client } = await h.sessionPair({ prepare: captureWorkerCounts });
    await encryptedAndDecoding([host.page, client.page]);
    const putBack: string[] = [];
    client.page.on('console', (message) => {
      if (message.text().includes('put back the decrypting transform')) putBack.push(message.text());
    });

    const hijacked = await client.page.evaluate(() => {
      const url = performance
        .getEntriesByType('resource')
        .map((entry) => entry.name)
        .find((name) => name.includes('frame-crypto'));
      if (!url) throw new Error('the frame worker script was not found among the page resources');
      const stray = new Worker(url, { type: 'module' });
      let taken = 0;
      for (const pc of (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections) {
        for (const transceiver of pc.getTransceivers()) {
          const receiver = transceiver.receiver;
          if (transceiver.currentDirection !== 'recvonly' || receiver.track.kind !== 'video' || receiver.track.readyState !== 'live') continue;
          receiver.transform = new RTCRtpScriptTransform(stray, { operation: 'decrypt', codec: 'vp8', trackId: 'stray' });
          taken++;
        }
      }
      return taken;
    });
    expect(hijacked).toBeGreaterThanOrEqual(1);
    // The stray copy gets the frames now (and, keyless, drops them).
    await expect.poll(() => strayCount(client.page), { timeout: 10_000, interval: 250 }).toBeGreaterThan(0);

    // The watch notices and puts the page's own transform back: the picture returns.
    await expect.poll(() => putBack.length, { timeout: 20_000, interval: 250 }).toBeGreaterThan(0);
    await expect.poll(() => decodedStreams(client.page, 'video', 1000), { timeout: 20_000, interval: 500 }).toBe(1);
    // And the stray copy gets nothing more.
    const strayBefore = await strayCount(client.page);
    await client.page.waitForTimeout(1500);
    expect(await strayCount(client.page)).toBe(strayBefore);
    expect(await encryptionState(client.page)).toBe('encrypted');
  });
});
