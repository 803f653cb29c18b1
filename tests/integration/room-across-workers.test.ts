import { RoomRegistry, WorkerPool, type MediaSettings, type Room } from '@care/media';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { audioParameters, videoParameters } from '../support/protocol-peer.js';

/*
 * A room larger than one worker, on the real mediasoup worker: two workers and
 * a threshold of one consumer, so the third participant of a circle lands on
 * the other worker and what it receives and sends crosses with pipeToRouter.
 * The browsers' side (every page decrypting every other) is in
 * tests/e2e/circle-across-workers.test.ts.
 */
const log = pino({ level: 'silent' });
const settings: MediaSettings = {
  workers: 2,
  workerBin: process.env.MEDIASOUP_WORKER_BIN,
  listenIp: '127.0.0.1',
  portBase: 0,
  initialAvailableOutgoingBitrate: 1_000_000,
  logLevel: 'warn',
  consumersPerWorker: 1,
};

let pool: WorkerPool | undefined;
afterEach(() => {
  pool?.close();
  pool = undefined;
});

/** A participant with both transports, ready to receive. */
async function participant(room: Room, peerId: string): Promise<void> {
  room.addPeer(peerId);
  await room.createTransport(peerId, 'send');
  await room.createTransport(peerId, 'recv');
  await room.setReady(peerId, room.rtpCapabilities);
}

function sendTransportOf(room: Room, peerId: string): string {
  for (const t of room.peer(peerId).transports.values()) if (t.appData.direction === 'send') return t.id;
  throw new Error(`${peerId} has no send transport`);
}

/** The consumer a peer holds of a producer, once the room made it. */
async function consumerOf(room: Room, peerId: string, producerId: string): Promise<types.Consumer> {
  await expect.poll(() => [...room.peer(peerId).consumers.values()].some((c) => c.producerId === producerId), { timeout: 10_000 }).toBe(true);
  return [...room.peer(peerId).consumers.values()].find((c) => c.producerId === producerId) as types.Consumer;
}

describe('a room across two workers (pipeToRouter)', () => {
  it('places the newcomer on the lighter worker once the room\'s worker reaches the threshold, and pipes media both ways', async () => {
    pool = await WorkerPool.create(settings, log);
    const room = await new RoomRegistry(pool, settings, log).getOrCreate('wide', 'group');
    await participant(room, 'a');
    await participant(room, 'b');
    const aSend = sendTransportOf(room, 'a');
    const audio = await room.produce('a', aSend, 'audio', audioParameters(1000, room.rtpCapabilities) as never);
    const video = await room.produce('a', aSend, 'video', videoParameters(1010) as never);
    await consumerOf(room, 'b', video.id);
    expect(room.mediaRouterOf('b')).toBe(room.mediaRouter);

    await participant(room, 'c');
    expect(room.mediaRouterOf('c')).not.toBe(room.mediaRouter);
    expect(room.span.routers).toBe(2);
    expect(pool.running().map((s) => s.load.routers)).toEqual([1, 1]);
    const cAudio = await consumerOf(room, 'c', audio.id);
    const cVideo = await consumerOf(room, 'c', video.id);
    // One pipe per producer carried to c's router.
    expect(room.span.pipes).toBe(2);

    // Pause and resume cross the pipe (mediasoup mirrors them onto the pipe's far producer).
    const paused = new Promise<void>((resolve) => cAudio.once('producerpause', resolve));
    await audio.pause();
    await paused;
    expect(cAudio.producerPaused).toBe(true);
    const resumed = new Promise<void>((resolve) => cAudio.once('producerresume', resolve));
    await audio.resume();
    await resumed;
    expect(cAudio.producerPaused).toBe(false);

    // c sends: its voice goes home (the speaker observer listens there, and a and b receive it over the same pipe).
    const cSend = sendTransportOf(room, 'c');
    const cVoice = await room.produce('c', cSend, 'audio', audioParameters(2000, room.rtpCapabilities) as never);
    await consumerOf(room, 'a', cVoice.id);
    await consumerOf(room, 'b', cVoice.id);
    expect(room.span.pipes).toBe(3);

    // A producer closed on one worker closes its consumers on the other, and its pipe.
    const closed = new Promise<string>((resolve) => room.on('consumerClosed', ({ peerId, consumerId }) => peerId === 'c' && resolve(consumerId)));
    video.close();
    expect(await closed).toBe(cVideo.id);
    await expect.poll(() => room.span.pipes, { timeout: 10_000 }).toBe(2);

    // c leaves: its router and every pipe go; the other worker carries nothing of the room.
    room.removePeer('c');
    await expect.poll(() => room.span, { timeout: 10_000 }).toEqual({ routers: 1, pipes: 0 });
    const loads = pool.running().map((s) => ({ ...s.load }));
    expect(loads[1]).toEqual({ routers: 0, consumers: 0 });
    // The home router holds a's and b's transports only: the pipe transport to c's router closed with it.
    expect((await room.mediaRouter.dump()).transportIds).toHaveLength(4);
  });

  it('closes a pipe when the last consumer on the far side is gone, and opens it again when needed', async () => {
    pool = await WorkerPool.create(settings, log);
    const room = await new RoomRegistry(pool, settings, log).getOrCreate('lazy', 'pair');
    await participant(room, 'a');
    await participant(room, 'b');
    const audio = await room.produce('a', sendTransportOf(room, 'a'), 'audio', audioParameters(3000, room.rtpCapabilities) as never);
    await consumerOf(room, 'b', audio.id);
    await participant(room, 'c');
    expect(room.mediaRouterOf('c')).not.toBe(room.mediaRouter);
    const first = await consumerOf(room, 'c', audio.id);
    expect(room.span.pipes).toBe(1);
    room.peer('c').closeConsumer(first.id);
    expect(room.span.pipes).toBe(0);
    // Said ready again (a reconnecting page): the consumer, and its pipe, come back.
    await room.setReady('c', room.rtpCapabilities);
    const second = await consumerOf(room, 'c', audio.id);
    expect(second.id).not.toBe(first.id);
    expect(room.span.pipes).toBe(1);
  });
});
