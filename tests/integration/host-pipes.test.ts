import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageServer } from '../bench/page-server.js';
import { launchChromium } from '../support/browser.js';
import { inboundVideo, startHostPipePages } from '../support/host-pipe-pages.js';
import { MediaHostPair, type HostEvent, type MediaHostProcess } from '../support/media-hosts.js';
import { namespacesUsable } from '../support/network-namespace.js';
import { rtpPayload } from '../support/rtp-tap.js';

/*
 * Issue 14: pipes between media hosts. Two media hosts, each a process in
 * its own network namespace, joined by a private link; a sender page
 * produces the fake camera on host A, a receiver page on host B consumes
 * it, piped across (SRTP and RTX on, host-pipe-*.ts). The pages are the
 * bare mediasoup page (host-pipe-page.ts), not the app: the app's signal
 * node cannot yet drive two media hosts (the control channel is issue 14's
 * "roles" part), and what is under test here is the media package's pipe.
 * This process carries the pipe messages between the hosts, as that channel
 * will. Namespaces need root: as root (as CI runs) this runs; anyone else is
 * told plainly that it was skipped.
 */
const probe = namespacesUsable();
const why = probe.usable ? undefined : `network namespaces are not usable here (needs root): ${probe.why}`;
if (why) console.warn(`SKIPPED host-pipes: ${why}`);

let hosts: MediaHostPair;
let pages: PageServer;
let browser: Browser;
let senderPage: Page;
let receiverPage: Page;
let producerId: string;
let consumerId: string;

/** Waits (generously) until `check` holds; its last value otherwise fails the test. */
async function until<T>(what: string, read: () => Promise<T>, check: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: not reached; last ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    value = await read();
  }
  return value;
}

const framesOn = async (page: Page) => (await inboundVideo(page)).framesDecoded;
const eventsOf = (host: MediaHostProcess, name: HostEvent['name']) => host.events.filter((event) => event.name === name);

/** Frames the receiver decodes over `ms`. */
async function framesOver(ms: number): Promise<number> {
  const before = await framesOn(receiverPage);
  await receiverPage.waitForTimeout(ms);
  return (await framesOn(receiverPage)) - before;
}

beforeAll(async () => {
  if (why) return;
  hosts = await MediaHostPair.create(process.env.MEDIASOUP_WORKER_BIN);
  pages = await startHostPipePages(hosts);
  browser = await launchChromium();
  const context = await browser.newContext({ permissions: ['camera', 'microphone'] });
  senderPage = await context.newPage();
  receiverPage = await context.newPage();
  await senderPage.goto(`${pages.url}?host=a`);
  await receiverPage.goto(`${pages.url}?host=b`);
}, 120_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  pages?.close();
  await hosts?.close();
});

describe.skipIf(why !== undefined)('a producer on one media host consumed on another, through a pipe', () => {
  it('opens the pipe on first need and the video decodes on host B', { timeout: 120_000 }, async () => {
    expect((await hosts.a.state()).senderPipes).toBe(0);
    producerId = await senderPage.evaluate(() => window.hpProduce());
    consumerId = await receiverPage.evaluate((id) => window.hpConsume(id, true), producerId);
    await until('frames decoded on B', () => framesOn(receiverPage), (frames) => frames > 30, 60_000);
    const [a, b] = await Promise.all([hosts.a.state(), hosts.b.state()]);
    expect(a.senderPipes).toBe(1);
    expect(b.receiverPipes).toBe(1);
    expect(b.pipedStats.find((stat) => stat.producerId === producerId)?.byteCount).toBeGreaterThan(0);
  });

  it('carries the media over SRTP: on the wire the RTP headers are clear, the VP8 payloads are not', { timeout: 60_000 }, async () => {
    const ssrc = (await hosts.b.state()).pipedStats.find((stat) => stat.producerId === producerId)?.ssrc;
    const packets = await hosts.captureFromA(300, 10_000);
    // RTP from A's pipe consumer: version 2, its SSRC (so the header is read right); RTCP (types 200–206) aside.
    const media = packets.filter((packet) => packet.length > 12 && packet[0]! >> 6 === 2 && !(packet[1]! >= 200 && packet[1]! <= 206) && packet.readUInt32BE(8) === ssrc);
    expect(media.length).toBeGreaterThan(20);
    // A clear VP8 payload starts with Chromium's descriptor (X set, picture id present: 0x80 or 0x90, then I set);
    // under SRTP those bytes are ciphertext, so that pattern shows up about once in 256 packets, by chance.
    const clear = media.filter((packet) => {
      const payload = rtpPayload(packet);
      return (payload[0] === 0x80 || payload[0] === 0x90) && (payload[1]! & 0x80) !== 0;
    });
    console.log(`host pipe on the wire: ${packets.length} packets from A, ${media.length} of its video, ${clear.length} with a clear VP8 descriptor`);
    expect(clear.length / media.length).toBeLessThan(0.1);
  });

  it('mirrors a pause and a resume across the pipe', { timeout: 120_000 }, async () => {
    await hosts.a.call('producer', { id: producerId, action: 'pause' });
    await until('pause mirrored to B', () => hosts.b.state(), (state) => state.pipedStats.some((stat) => stat.producerId === producerId && stat.paused));
    await receiverPage.waitForTimeout(1000);
    expect(await framesOver(3000)).toBe(0);
    await hosts.a.call('producer', { id: producerId, action: 'resume' });
    await until('resume mirrored to B', () => hosts.b.state(), (state) => state.pipedStats.some((stat) => stat.producerId === producerId && !stat.paused));
    const before = await framesOn(receiverPage);
    await until('frames again on B', () => framesOn(receiverPage), (frames) => frames > before + 30);
    // A paused pipe is no dead pipe: nothing was reported while it stood still.
    expect(eventsOf(hosts.b, 'receiver-dead')).toHaveLength(0);
    expect(eventsOf(hosts.a, 'mirror').map((event) => event.data.event)).toEqual(expect.arrayContaining(['pause', 'resume']));
  });

  it('notices a cut link through the stats, closes the pipe, and re-pipes it once the link is back', { timeout: 180_000 }, async () => {
    await hosts.setPipeLink(false);
    const cutAt = Date.now();
    const dead = await until('B notices the dead pipe', async () => eventsOf(hosts.b, 'receiver-dead'), (events) => events.length > 0, 60_000);
    console.log(`host pipe: a cut link noticed by B after ${((dead[0]!.at - cutAt) / 1000).toFixed(1)} s; A noticed: ${eventsOf(hosts.a, 'sender-dead').length > 0}`);
    expect(dead[0]!.data).toMatchObject({ producerId, farHost: 'A' });
    // The dead pipe is closed on both sides (B told A over the channel), and its consumer on B with it.
    await until('pipes closed', async () => [await hosts.a.state(), await hosts.b.state()], ([a, b]) => a!.senderPipes === 0 && b!.receiverPipes === 0);
    expect(eventsOf(hosts.b, 'consumer-closed').map((event) => event.data.id)).toContain(consumerId);

    await hosts.setPipeLink(true);
    const { pipeId } = await hosts.b.call<{ pipeId: string }>('repipe', { dead: dead[0]!.data });
    consumerId = await receiverPage.evaluate((id) => window.hpConsume(id, true), producerId);
    await hosts.b.call('releaseRepipe', { pipeId });
    const before = await framesOn(receiverPage);
    await until('frames through the new pipe', () => framesOn(receiverPage), (frames) => frames > before + 30, 60_000);
    const [a, b] = await Promise.all([hosts.a.state(), hosts.b.state()]);
    expect([a.senderPipes, b.receiverPipes]).toEqual([1, 1]);
  });

  it('closes the pipe on both hosts when its last consumer on B goes', { timeout: 60_000 }, async () => {
    const transportsBefore = (await hosts.a.state()).routerTransports;
    await hosts.b.call('closeConsumer', { id: consumerId });
    const [a, b] = await until('pipes closed', async () => [await hosts.a.state(), await hosts.b.state()], ([a, b]) => a!.senderPipes === 0 && b!.receiverPipes === 0);
    expect(a!.routerTransports).toBe(transportsBefore - 1);
    expect(b!.consumers).toBe(0);
  });

  it('mirrors the producer closing: the consumer on B closes with it', { timeout: 120_000 }, async () => {
    consumerId = await receiverPage.evaluate((id) => window.hpConsume(id, true), producerId);
    const before = await framesOn(receiverPage);
    await until('frames through a fresh pipe', () => framesOn(receiverPage), (frames) => frames > before + 10, 60_000);
    await hosts.a.call('producer', { id: producerId, action: 'close' });
    await until('consumer on B closed', async () => eventsOf(hosts.b, 'consumer-closed').map((event) => event.data.id), (ids) => ids.includes(consumerId));
    await until('pipes closed', async () => [await hosts.a.state(), await hosts.b.state()], ([a, b]) => a!.senderPipes === 0 && b!.receiverPipes === 0);
    const [a, b] = await Promise.all([hosts.a.state(), hosts.b.state()]);
    expect(a.workerAlive && b.workerAlive).toBe(true);
  });
});
