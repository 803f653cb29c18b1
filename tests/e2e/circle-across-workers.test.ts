import { demoAccounts } from '@care/server';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberPageJoins, startCircleMeeting, type CircleMeeting } from '../support/circle-meeting.js';
import { decodedStreams } from '../support/decoded-streams.js';
import { encrypted } from '../support/group-view.js';

/*
 * A circle larger than one worker (issue 14), in three Chromium pages on the
 * real stack: two media workers, and a threshold of two consumers per worker
 * (MEDIA_CONSUMERS_PER_WORKER) in place of mediasoup's ~500, so the second
 * member finds the facilitator's worker full and is placed on the other one.
 * Their media crosses between the workers with pipeToRouter, as SFrame
 * ciphertext like on every hop: every page decrypts and decodes every other's
 * audio and video, a camera switched off and on (its producer paused and
 * resumed) crosses the pipe, a member leaving (their producers closed)
 * crosses it, and the pipes and the far router close once nobody needs them.
 */
const [, , , first, second] = demoAccounts;
let c: CircleMeeting;
let host: Page;
let near: Page;
let far: Page;

beforeAll(async () => {
  c = await startCircleMeeting({ MEDIA_WORKERS: '2', MEDIA_CONSUMERS_PER_WORKER: '2' });
});

afterAll(async () => {
  await c?.h.close();
});

function room() {
  const media = c.h.t.platform.media.get(c.roomId);
  if (!media) throw new Error('the meeting has no media room');
  return media;
}

/** The people whose media is on a router other than the room's home, by the producers they send. */
function sendersAway(): number {
  const media = room();
  const peers = new Set([...media.producers()].map(({ peerId }) => peerId));
  return [...peers].filter((peerId) => media.mediaRouterOf(peerId) !== media.mediaRouter).length;
}

const decodes = (page: Page, kind: 'audio' | 'video') => decodedStreams(page, kind, 2000);

describe('a circle across two media workers', () => {
  it('places the second member on the other worker; every page decrypts every other\'s audio and video across the pipe', { timeout: 300_000 }, async () => {
    host = (await c.h.openCircle(c.meetingId)).page;
    near = await memberPageJoins(c, host, first as { email: string; password: string });
    far = await memberPageJoins(c, host, second as { email: string; password: string });
    expect(room().span.routers).toBe(2);
    expect(sendersAway()).toBe(1);

    for (const page of [host, near, far]) await page.getByRole('button', { name: 'Nyalakan kamera' }).click();
    for (const page of [host, near, far]) {
      await expect.poll(() => decodes(page, 'audio'), { timeout: 90_000, interval: 500 }).toBe(2);
      await expect.poll(() => decodes(page, 'video'), { timeout: 90_000, interval: 500 }).toBe(2);
      await encrypted(page).waitFor();
    }
    // Each of the far member's producers reaches home, and each of the others' reaches the far router.
    expect(room().span.pipes).toBeGreaterThanOrEqual(4);
  });

  it('a camera switched off and on across the pipe: the others stop and start decoding it', { timeout: 180_000 }, async () => {
    await far.getByRole('button', { name: 'Matikan kamera' }).click();
    for (const page of [host, near]) await expect.poll(() => decodes(page, 'video'), { timeout: 60_000, interval: 500 }).toBe(1);
    await far.getByRole('button', { name: 'Nyalakan kamera' }).click();
    for (const page of [host, near]) await expect.poll(() => decodes(page, 'video'), { timeout: 60_000, interval: 500 }).toBe(2);
  });

  it('a member leaving closes their producers across the pipe, and the pipes and the far router close when unused', { timeout: 180_000 }, async () => {
    const pipesBefore = room().span.pipes;
    await near.getByTestId('leave').click();
    await expect.poll(() => decodes(far, 'video'), { timeout: 60_000, interval: 500 }).toBe(1);
    await expect.poll(() => decodes(far, 'audio'), { timeout: 60_000, interval: 500 }).toBe(1);
    await expect.poll(() => room().span.pipes, { timeout: 30_000 }).toBeLessThan(pipesBefore);
    await expect.poll(() => decodes(host, 'video'), { timeout: 60_000, interval: 500 }).toBe(1);

    await far.getByTestId('leave').click();
    await expect.poll(() => room().span, { timeout: 30_000 }).toEqual({ routers: 1, pipes: 0 });
    expect(c.h.t.platform.pool.running().map((w) => w.load.routers).sort()).toEqual([0, 1]);
  });
});
