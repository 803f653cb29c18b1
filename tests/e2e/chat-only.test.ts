import { randomUUID } from 'node:crypto';
import type { Room } from '@care/media';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flowOver, waitForInboundMedia } from '../support/browser.js';
import { BrowserHarness, type SignedIn } from '../support/browser-harness.js';
import { findLeaks, needleForms, type Haystack } from '../support/byte-search.js';
import { seriousViolations } from '../support/session-flow.js';

/*
 * Issue 16, "chat as the fallback": both people switch to chat only in a
 * 1:1. No media flows at the SFU (every producer and consumer paused, no RTP
 * arriving from either browser), the chat goes on end-to-end encrypted in the
 * same session (the server relays a canary line it cannot read), and going
 * back to full brings video and voice back.
 */

let h: BrowserHarness;
let host: SignedIn;
let client: SignedIn;
let room: Room;
const socketTraffic: Haystack[] = [];

/** RTP packets the SFU has received from the browsers so far, every producer together. */
async function packetsIntoSfu(): Promise<number> {
  let total = 0;
  for (const { producer } of room.producers()) for (const stream of await producer.getStats()) total += stream.packetCount;
  return total;
}

/** Every producer and every consumer in the room, paused or not. */
function mediaPaused(): { producers: boolean[]; consumers: boolean[] } {
  const producers = [...room.producers()];
  const peers = new Set(producers.map((p) => p.peerId));
  return {
    producers: producers.map((p) => p.producer.paused),
    consumers: [...peers].flatMap((peerId) => [...room.peer(peerId).consumers.values()].map((c) => c.paused)),
  };
}

beforeAll(async () => {
  h = await BrowserHarness.start();
  // Every Engine.IO packet in and out: what the server could keep of the chat.
  h.t.platform.io.engine.on('connection', (raw: { on(event: string, listener: (packet: { data?: unknown }) => void): void }) => {
    const record = (packet: { data?: unknown }) => {
      if (typeof packet.data === 'string' || packet.data instanceof Uint8Array) socketTraffic.push({ label: 'socket.io traffic', bytes: Buffer.from(packet.data) });
    };
    raw.on('packet', record);
    raw.on('packetCreate', record);
  });
  ({ host, client } = await h.sessionPair());
  expect((await waitForInboundMedia(client.page)).videoFramesDecoded).toBeGreaterThan(0);
  expect((await waitForInboundMedia(host.page)).videoFramesDecoded).toBeGreaterThan(0);
  const appointment = await h.t.platform.db.appointments.findOne({});
  const media = h.t.platform.media.get(appointment?.roomId ?? '');
  if (!media) throw new Error('no room media');
  room = media;
}, 180_000);

afterAll(() => h?.close());

describe('chat only, both sides', () => {
  it('stops all media at the SFU while the encrypted chat goes on; back to full brings video and voice back', { timeout: 180_000 }, async () => {
    expect(mediaPaused()).toEqual({ producers: [false, false, false, false], consumers: [false, false, false, false] });

    await client.page.getByTestId('mode-chat-only').check();
    await host.page.getByTestId('mode-chat-only').check();
    for (const { page } of [client, host]) await page.getByTestId('mode-placeholder').waitFor();

    // At the SFU: every producer and consumer held, and nothing arriving from either browser.
    await expect.poll(() => mediaPaused(), { timeout: 15_000 }).toEqual({ producers: [true, true, true, true], consumers: [true, true, true, true] });
    await client.page.waitForTimeout(1000);
    const before = await packetsIntoSfu();
    const received = await Promise.all([flowOver(client.page, 3000), flowOver(host.page, 3000)]);
    expect(await packetsIntoSfu()).toBe(before);
    for (const flow of received) expect(flow).toEqual({ decoded: 0, video: 0, audio: 0 });

    // The chat goes on in the same session, end to end: the server relays a line it cannot read.
    const canary = `Kanari obrolan ${randomUUID()}`;
    await client.page.getByTestId('chat-input').fill(canary);
    await client.page.getByTestId('chat-input').press('Enter');
    await host.page.getByTestId('chat-theirs').filter({ hasText: canary }).waitFor({ timeout: 30_000 });
    await host.page.getByTestId('chat-input').fill('Baik, saya baca.');
    await host.page.getByTestId('chat-input').press('Enter');
    await client.page.getByTestId('chat-theirs').filter({ hasText: 'Baik, saya baca.' }).waitFor({ timeout: 30_000 });
    expect(await client.page.getByTestId('encryption').getAttribute('data-state')).toBe('encrypted');
    const haystacks = [...socketTraffic, { label: 'server logs', bytes: Buffer.from(h.t.logs.join('')) }];
    // Positive control: the traffic was recorded (the chat's ciphertext went through it).
    expect(socketTraffic.length).toBeGreaterThan(20);
    expect(findLeaks(needleForms('chat canary', new TextEncoder().encode(canary)), haystacks)).toEqual([]);
    expect(await seriousViolations(client.page)).toEqual([]);

    // Back to full on both sides: video and voice again, both ways.
    await client.page.getByTestId('mode-full').check();
    await host.page.getByTestId('mode-full').check();
    await expect.poll(() => mediaPaused(), { timeout: 15_000 }).toEqual({ producers: [false, false, false, false], consumers: [false, false, false, false] });
    for (const { page } of [client, host]) {
      await page.getByTestId('mode-placeholder').waitFor({ state: 'detached' });
      await expect.poll(async () => (await flowOver(page, 1000)).decoded, { timeout: 30_000 }).toBeGreaterThan(0);
      await expect.poll(async () => (await flowOver(page, 1000)).audio, { timeout: 30_000 }).toBeGreaterThan(10);
    }
    expect(await packetsIntoSfu()).toBeGreaterThan(before);
  });
});
