import { EventEmitter } from 'node:events';
import type { FarHost, HostPipeReceiver, HostPipeSender, LocalRoomMedia } from '@care/media';
import type { ControlEvent } from '@care/shared';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SignalLink } from './control-server.js';
import { NodePipes } from './node-pipes.js';

/*
 * Host B's side of a pipe, as the signal node's relay can order things: the
 * far node mirrors from the moment it answers, and the signal node passes a
 * mirror on at once while the answer waits on a promise there, so B may hear
 * "resume" before the offer. Dropped then, the pipe's producer on B stayed
 * paused for good (a camera switched on mid-circle, never seen on the far
 * node: circle-across-media-nodes, under load). The sender, receiver and room
 * are stand-ins: what is checked is which link's mirrors reach the receiver.
 */

class ReceiverDouble extends EventEmitter {
  readonly mirrored: unknown[] = [];
  far: FarHost | undefined;
  carry(_router: unknown, _producerId: string, far: FarHost): Promise<never> {
    this.far = far;
    return new Promise(() => undefined);
  }
  async mirror(message: unknown): Promise<void> {
    this.mirrored.push(message);
  }
}

function linkDouble(id: string): SignalLink & { pushed: ControlEvent[] } {
  const pushed: ControlEvent[] = [];
  return { id, pushed, push: (event) => pushed.push(event) };
}

function setUp() {
  const receiver = new ReceiverDouble();
  const pipes = new NodePipes('B', new EventEmitter() as unknown as HostPipeSender, receiver as unknown as HostPipeReceiver, () => undefined, pino({ level: 'silent' }));
  const room = { addFarProducer: (far: { carry: (router: unknown) => Promise<unknown> }) => void far.carry({}), once: () => undefined };
  const media = { id: 'room-1', room } as unknown as LocalRoomMedia;
  const link = linkDouble('signal-1');
  pipes.farProducer(link, media, { op: 'farProducer', roomId: 'room-1', peerId: 'peer-1', producerId: 'producer-1', kind: 'video', source: 'camera', farNodeId: 'A' });
  return { receiver, pipes, link };
}

describe('NodePipes as host B', () => {
  it('passes on a mirror that comes before the far node\'s answer to the pipe it is opening, from that link only', async () => {
    const { receiver, pipes, link } = setUp();
    const open = receiver.far?.open({ pipeId: 'pipe-1', producerId: 'producer-1' });
    const call = link.pushed.find((event) => event.event === 'pipeCall');
    if (!call || call.event !== 'pipeCall') throw new Error('no pipe call went out');
    // Another link mirrors the same pipe: not its own, ignored. The asking link's mirror comes through.
    await pipes.mirror(linkDouble('signal-2'), 'A', { pipeId: 'pipe-1', event: 'pause' });
    await pipes.mirror(link, 'A', { pipeId: 'pipe-1', event: 'resume' });
    expect(receiver.mirrored).toEqual([{ pipeId: 'pipe-1', event: 'resume' }]);
    pipes.reply(link, { op: 'pipeReply', callId: call.callId, ok: true, result: { pipeId: 'pipe-1' } });
    await expect(open).resolves.toEqual({ pipeId: 'pipe-1' });
  });

  it('forgets the pipe when the far node refuses to open it: a later mirror of it is not passed on', async () => {
    const { receiver, pipes, link } = setUp();
    const open = receiver.far?.open({ pipeId: 'pipe-2', producerId: 'producer-1' });
    const call = link.pushed.find((event) => event.event === 'pipeCall');
    if (!call || call.event !== 'pipeCall') throw new Error('no pipe call went out');
    pipes.reply(link, { op: 'pipeReply', callId: call.callId, ok: false, error: { code: 'not_found', message: 'no such producer' } });
    await expect(open).rejects.toMatchObject({ code: 'not_found' });
    await pipes.mirror(link, 'A', { pipeId: 'pipe-2', event: 'resume' });
    expect(receiver.mirrored).toEqual([]);
  });
});
