import { HostPipeReceiver, HostPipeSender, MAX_UNJOINED_PER_FAR_HOST, MediaError, type FarHost, type PipeOffer } from '@care/media';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_VP8, loopbackPipeHosts, loopbackPipeSettings } from '../support/loopback-pipe-hosts.js';

/*
 * A hostile or corrupted peer media host (issue 14): everything one media
 * host hears about a pipe from another comes over the control channel, and
 * a host that is compromised, or a message that is corrupted, must neither
 * crash the worker nor point a pipe at an address outside the private pipe
 * range (media/src/host-pipe-*.ts). Here the far host is this test,
 * answering what a hostile host would; both ends are the real worker, the
 * honest pipe included (the one ordinary users need).
 */
const settings = loopbackPipeSettings(41200, 1500);
const log = pino({ level: 'silent' });
let hosts: Awaited<ReturnType<typeof loopbackPipeHosts>>;
let workerB: types.Worker;
let routerA: types.Router;
let routerB: types.Router;
let producer: types.Producer;
let sender: HostPipeSender;
let receiver: HostPipeReceiver;

/** The honest far host A, reached directly (what the control channel does between two real hosts). */
function honestA(id = 'A'): FarHost & { closed: string[] } {
  const closed: string[] = [];
  return {
    id,
    closed,
    open: (request) => sender.open(routerA, producer, request, 'B'),
    connect: (answer) => sender.connect(answer, 'B'),
    close: (message) => {
      closed.push(message.pipeId);
      sender.close(message, 'B');
    },
  };
}

/** A far host that answers every request with `forge(honest offer)`. */
function forging(forge: (offer: PipeOffer) => unknown): FarHost & { closed: string[] } {
  const honest = honestA();
  return { ...honest, open: async (request) => forge((await honest.open(request)) as PipeOffer) };
}

const transportsOn = async (router: types.Router) => (await router.dump()).transportIds.length;

async function refusal(promise: Promise<unknown>, what = 'the message'): Promise<MediaError> {
  const error = await promise.then(
    (accepted: unknown) => {
      // Accepted after all: let go of what it opened, so the next case starts clean.
      (accepted as { release?: () => void } | undefined)?.release?.();
      return undefined;
    },
    (caught: unknown) => caught,
  );
  expect(error, `${what} was accepted`).toBeInstanceOf(MediaError);
  return error as MediaError;
}

beforeAll(async () => {
  hosts = await loopbackPipeHosts();
  ({ routerA, routerB } = hosts);
  [, workerB] = hosts.workers;
  const direct = await routerA.createDirectTransport();
  producer = await direct.produce({ kind: 'video', rtpParameters: { codecs: [DIRECT_VP8], encodings: [{ ssrc: 1111 }] }, appData: { roomId: 'room-1', peerId: 'peer-1', source: 'camera', displayName: 'not to be piped' } });
  sender = new HostPipeSender(settings, log);
  receiver = new HostPipeReceiver(settings, log);
});

afterAll(() => {
  receiver?.close();
  hosts?.close();
});

describe('pipe messages from a hostile or corrupted media host', () => {
  it('an honest pipe opens (SRTP, private address, ids only in appData) and closes with its last holder', async () => {
    const carried = await receiver.carry(routerB, producer.id, honestA());
    expect(carried.producer.id).toBe(producer.id);
    expect(carried.producer.appData).toMatchObject({ roomId: 'room-1', peerId: 'peer-1', source: 'camera' });
    expect(carried.producer.appData).not.toHaveProperty('displayName');
    expect([sender.size, receiver.size]).toEqual([1, 1]);
    carried.release();
    await expect.poll(() => [sender.size, receiver.size]).toEqual([0, 0]);
    expect(await transportsOn(routerB)).toBe(0);
  });

  it('refuses an offer pointing outside the private range (address or port) before opening anything, and tells A to close', async () => {
    for (const endpoint of [
      { ip: '8.8.8.8' },
      { ip: '10.1.2.3' },
      { ip: '::1' },
      { port: 53 },
      { port: 41300 },
    ]) {
      const far = forging((offer) => ({ ...offer, endpoint: { ...offer.endpoint, ...endpoint } }));
      const error = await refusal(receiver.carry(routerB, producer.id, far));
      expect(error.code).toBe('pipe_refused');
      expect(far.closed).toHaveLength(1);
      expect(await transportsOn(routerB)).toBe(0);
    }
    await expect.poll(() => sender.size).toBe(0);
  });

  it('refuses corrupted offers, offers for another pipe or producer, and offers mediasoup itself rejects, leaving no transport', async () => {
    const forgeries: Array<(offer: PipeOffer) => unknown> = [
      () => null,
      () => 'x'.repeat(100_000),
      (offer) => ({ ...offer, endpoint: { ...offer.endpoint, srtpParameters: { cryptoSuite: 'AEAD_AES_256_GCM', keyBase64: '!!!' } } }),
      (offer) => ({ ...offer, pipeId: 'another-pipe' }),
      (offer) => ({ ...offer, producerId: 'another-producer' }),
      (offer) => ({ ...offer, kind: 'audio' }),
      (offer) => ({ ...offer, rtpParameters: { ...offer.rtpParameters, codecs: [{ mimeType: 'video/H265', payloadType: 100, clockRate: 90000 }] } }),
      (offer) => ({ ...offer, rtpParameters: { ...offer.rtpParameters, codecs: [{ mimeType: 'video/rtx', payloadType: 102, clockRate: 90000, parameters: { apt: 55 } }] } }),
      (offer) => ({ ...offer, rtpParameters: { ...offer.rtpParameters, codecs: Array.from({ length: 9 }, () => offer.rtpParameters.codecs[0]) } }),
    ];
    for (const [index, forge] of forgeries.entries()) {
      const far = forging(forge);
      const error = await refusal(receiver.carry(routerB, producer.id, far), `forgery ${index}`);
      expect(error.code).toBe('pipe_refused');
      expect(await transportsOn(routerB)).toBe(0);
      expect(far.closed).toHaveLength(1);
    }
    expect(workerB.closed).toBe(false);
    await expect.poll(() => sender.size).toBe(0);
    expect(receiver.size).toBe(0);
  });

  it('refuses an offer whose producer id is one this host already has', async () => {
    const direct = await routerB.createDirectTransport();
    const local = await direct.produce({ kind: 'video', rtpParameters: { codecs: [DIRECT_VP8], encodings: [{ ssrc: 2222 }] } });
    // The request names the local producer's id; A answers with its own producer under that id: mediasoup refuses the duplicate.
    const honest = honestA();
    const far: FarHost & { closed: string[] } = { ...honest, open: async (request) => ({ ...((await honest.open({ ...request, producerId: producer.id })) as PipeOffer), producerId: local.id }) };
    const error = await refusal(receiver.carry(routerB, local.id, far));
    expect(error.code).toBe('pipe_refused');
    expect(far.closed).toHaveLength(1);
    expect(await transportsOn(routerB)).toBe(1); // the direct transport only
    expect(local.closed).toBe(false);
    direct.close();
    await expect.poll(() => sender.size).toBe(0);
  });

  it('ignores mirrors for pipes the sending host does not own, and refuses malformed ones', async () => {
    const carried = await receiver.carry(routerB, producer.id, honestA());
    await receiver.mirror({ pipeId: carried.pipeId, event: 'pause' }, 'C');
    await receiver.mirror({ pipeId: carried.pipeId, event: 'close' }, 'C');
    expect(carried.producer.paused).toBe(false);
    expect(carried.producer.closed).toBe(false);
    for (const bad of [null, { pipeId: carried.pipeId }, { pipeId: carried.pipeId, event: 'explode' }, { pipeId: 'x'.repeat(65), event: 'close' }]) {
      expect((await refusal(receiver.mirror(bad, 'A'))).code).toBe('pipe_refused');
    }
    await receiver.mirror({ pipeId: carried.pipeId, event: 'pause' }, 'A');
    expect(carried.producer.paused).toBe(true);
    carried.release();
    await expect.poll(() => [sender.size, receiver.size]).toEqual([0, 0]);
  });

  it('host A refuses requests and answers that are malformed, foreign, repeated or outside the range; an end never joined closes', async () => {
    expect((await refusal(sender.open(routerA, producer, { producerId: producer.id }, 'B'))).code).toBe('pipe_refused');
    expect((await refusal(sender.open(routerA, producer, { pipeId: 'p1', producerId: 'someone-else' }, 'B'))).code).toBe('pipe_refused');
    expect(await transportsOn(routerA)).toBe(1); // the producer's direct transport only

    const offer = await sender.open(routerA, producer, { pipeId: 'p2', producerId: producer.id }, 'B');
    expect((await refusal(sender.open(routerA, producer, { pipeId: 'p2', producerId: producer.id }, 'B'))).code).toBe('pipe_refused');
    const srtp = offer.endpoint.srtpParameters;
    // Outside the range, from the wrong host, malformed: the end stays unjoined.
    expect((await refusal(sender.connect({ pipeId: 'p2', endpoint: { ip: '192.0.2.1', port: 41250, srtpParameters: srtp } }, 'B'))).code).toBe('pipe_refused');
    expect((await refusal(sender.connect({ pipeId: 'p2', endpoint: { ip: '127.0.0.1', port: 9, srtpParameters: srtp } }, 'B'))).code).toBe('pipe_refused');
    expect((await refusal(sender.connect({ pipeId: 'p2', endpoint: { ip: '127.0.0.1', port: 41250, srtpParameters: srtp } }, 'C'))).code).toBe('not_found');
    expect((await refusal(sender.connect({ pipeId: 'p2', endpoint: 'here' }, 'B'))).code).toBe('pipe_refused');
    sender.close({ pipeId: 'p2' }, 'C');
    expect(sender.size).toBe(1);
    // Nobody joins it: it closes by itself, and says so to the far host.
    const mirrored: unknown[] = [];
    sender.on('mirror', (message, farHost) => mirrored.push({ ...message, farHost }));
    await expect.poll(() => sender.size, { timeout: 10_000 }).toBe(0);
    expect(mirrored).toContainEqual({ pipeId: 'p2', event: 'close', farHost: 'B' });
    expect(await transportsOn(routerA)).toBe(1);
  });

  it('a far host flooding requests it never joins is held to a bounded number of open ends; others are not affected', async () => {
    const opened = await Promise.allSettled(Array.from({ length: MAX_UNJOINED_PER_FAR_HOST + 20 }, (_, i) => sender.open(routerA, producer, { pipeId: `flood-${i}`, producerId: producer.id }, 'F')));
    const refused = opened.filter((result) => result.status === 'rejected');
    expect(opened.length - refused.length).toBeLessThanOrEqual(MAX_UNJOINED_PER_FAR_HOST);
    expect(refused.length).toBeGreaterThanOrEqual(20);
    expect(refused.every((result) => result.reason instanceof MediaError && result.reason.code === 'limit_reached')).toBe(true);
    // Another far host still gets its pipe, honestly joined.
    const carried = await receiver.carry(routerB, producer.id, honestA());
    expect(carried.producer.closed).toBe(false);
    carried.release();
    sender.closeFarHost('F');
    await expect.poll(() => sender.size).toBe(0);
    expect(await transportsOn(routerA)).toBe(1);
  });

  it('a flood of forged offers is refused, one opening at a time, and the worker goes on', async () => {
    let asked = 0;
    const forged = forging((offer) => ({ ...offer, endpoint: { ...offer.endpoint, ip: '203.0.113.9' } }));
    const far: FarHost = { ...forged, open: (request) => (asked++, forged.open(request)) };
    // Holders arriving together share one opening (pipe-ledger.ts): a hundred at once ask A once.
    const together = await Promise.allSettled(Array.from({ length: 100 }, () => receiver.carry(routerB, producer.id, far)));
    expect(together.every((result) => result.status === 'rejected' && result.reason instanceof MediaError)).toBe(true);
    expect(asked).toBe(1);
    // One after another, each is refused on its own, and nothing is left open.
    for (let i = 0; i < 30; i++) expect((await refusal(receiver.carry(routerB, producer.id, far))).code).toBe('pipe_refused');
    expect(asked).toBe(31);
    expect(await transportsOn(routerB)).toBe(0);
    await expect.poll(() => sender.size).toBe(0);
    expect(workerB.closed).toBe(false);
    const carried = await receiver.carry(routerB, producer.id, honestA());
    expect(carried.producer.closed).toBe(false);
    carried.release();
    await expect.poll(() => [sender.size, receiver.size]).toEqual([0, 0]);
  });
});
