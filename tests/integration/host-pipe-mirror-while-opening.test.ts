import { HostPipeReceiver, HostPipeSender, MediaError, type FarHost } from '@care/media';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIRECT_VP8, loopbackPipeHosts, loopbackPipeSettings } from '../support/loopback-pipe-hosts.js';

/*
 * A producer paused or resumed, or closed, while a far host pipes it: host
 * A mirrors from the moment it answers the pipe request, while host B still
 * connects its end and produces. A camera switched on in a circle spanning
 * two media nodes is exactly that: its producer is made paused, announced
 * to the far node, which opens a pipe at once, and resumed a moment later.
 * Dropped, the resume left B's pipe producer paused for good, and the far
 * node's members never saw that camera. Here both hosts are real workers
 * in this process, the mirror delivered as the control channel would,
 * in order, while B's end is still opening.
 */
const settings = loopbackPipeSettings(41400, 3000);
const log = pino({ level: 'silent' });
let hosts: Awaited<ReturnType<typeof loopbackPipeHosts>>;
let routerA: types.Router;
let routerB: types.Router;
let direct: types.DirectTransport;
let sender: HostPipeSender;
let receiver: HostPipeReceiver;
let ssrc = 5000;

/** Mirror messages from A reach B's receiver one after another, in the order A sent them, as over the control channel. */
let delivered = Promise.resolve();

const produce = (paused: boolean) => direct.produce({ kind: 'video', paused, rtpParameters: { codecs: [DIRECT_VP8], encodings: [{ ssrc: ssrc++ }] }, appData: { roomId: 'room-1', peerId: 'peer-1', source: 'camera' } });

/** Host A, reached directly; `meanwhile` runs after A answered the request and before B has its end (its mirrors delivered). */
function hostA(producer: types.Producer, meanwhile: () => Promise<void>): FarHost {
  return {
    id: 'A',
    open: async (request) => {
      const offer = await sender.open(routerA, producer, request, 'B');
      await meanwhile();
      // The mirrors that action caused are on their way: B hears them before it has its end.
      await new Promise((resolve) => setTimeout(resolve, 50));
      await delivered;
      return offer;
    },
    connect: (answer) => sender.connect(answer, 'B'),
    close: (message) => sender.close(message, 'B'),
  };
}

beforeAll(async () => {
  hosts = await loopbackPipeHosts();
  ({ routerA, routerB } = hosts);
  direct = await routerA.createDirectTransport();
  sender = new HostPipeSender(settings, log);
  receiver = new HostPipeReceiver(settings, log);
  sender.on('mirror', (message, farHost) => {
    if (farHost !== 'B') return;
    delivered = delivered.then(() => receiver.mirror({ ...message }, 'A')).catch(() => undefined);
  });
}, 60_000);

afterAll(() => {
  receiver?.close();
  hosts?.close();
});

describe('a far producer paused, resumed or closed while its pipe opens', () => {
  it('resumed meanwhile (a camera switched on): the pipe producer on B is not left paused', async () => {
    const producer = await produce(true);
    const carried = await receiver.carry(routerB, producer.id, hostA(producer, () => producer.resume()));
    expect(producer.paused).toBe(false);
    expect(carried.producer.paused).toBe(false);
    carried.release();
    await expect.poll(() => [sender.size, receiver.size]).toEqual([0, 0]);
    producer.close();
  });

  it('paused meanwhile: paused on B too', async () => {
    const producer = await produce(false);
    const carried = await receiver.carry(routerB, producer.id, hostA(producer, () => producer.pause()));
    expect(carried.producer.paused).toBe(true);
    carried.release();
    await expect.poll(() => [sender.size, receiver.size]).toEqual([0, 0]);
    producer.close();
  });

  it('resumed then paused again meanwhile: the last word stands', async () => {
    const producer = await produce(true);
    const carried = await receiver.carry(
      routerB,
      producer.id,
      hostA(producer, async () => {
        await producer.resume();
        await producer.pause();
      }),
    );
    expect(carried.producer.paused).toBe(true);
    carried.release();
    await expect.poll(() => [sender.size, receiver.size]).toEqual([0, 0]);
    producer.close();
  });

  it('closed meanwhile: no pipe on B, nothing left open at either end', async () => {
    const producer = await produce(false);
    const error = await receiver.carry(routerB, producer.id, hostA(producer, async () => producer.close())).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(MediaError);
    await expect.poll(() => [sender.size, receiver.size]).toEqual([0, 0]);
    expect((await routerB.dump()).transportIds).toHaveLength(0);
  });

  it('a mirror from another host for a pipe being opened is not heard', async () => {
    const producer = await produce(true);
    let pipeId = '';
    const far = hostA(producer, async () => {
      // Host C claims the pipe A is opening was resumed: B ignores it; A's producer stays paused.
      await receiver.mirror({ pipeId, event: 'resume' }, 'C');
      await receiver.mirror({ pipeId, event: 'close' }, 'C');
    });
    const carried = await receiver.carry(routerB, producer.id, {
      ...far,
      open: (request) => {
        pipeId = (request as { pipeId: string }).pipeId;
        return far.open(request);
      },
    });
    expect(carried.producer.paused).toBe(true);
    expect(carried.producer.closed).toBe(false);
    carried.release();
    await expect.poll(() => [sender.size, receiver.size]).toEqual([0, 0]);
    producer.close();
  });
});
