import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { controlProof, createLogger, type MediaNode } from '@care/server';
import { MEDIA_CONTROL_MAX_FRAME_BYTES } from '@care/shared';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { MediaNodeRegistry } from '../../server/src/media-nodes/media-node-registry.js';
import { RemoteMediaRooms, type RemoteRoomMedia } from '../../server/src/media-nodes/remote-room-media.js';
import { startMediaNodeHere } from '../support/media-node-here.js';
import { dtlsParameters, videoParameters } from '../support/protocol-peer.js';

/*
 * A room spanning media nodes (issue 14): the control channel carries the
 * host-pipe messages between media nodes, through the signal node. Either
 * end of a channel may be corrupted or hostile.
 *
 * At a media node, a signal node (authenticated, so holding the secret, but
 * lying or buggy) asks for a pipe end for a producer of another room, for a
 * producer another signal node's peer sends, toward the node itself; joins
 * a pipe end to an address outside MEDIA_PIPE_PEER_NETWORKS; answers a pipe
 * call it was never asked (another link's) or with an offer pointing outside
 * the private range; mirrors a pipe that is not one; sends malformed and
 * oversized pipe frames. Each is refused (a typed error, or the link closed
 * for off-schema frames), nothing opens, the node keeps serving.
 *
 * At the signal node, a media node of the room (a fake one here, a real
 * WebSocket server that speaks the channel) asks for a pipe for another
 * room's producer, from a node that is not the room's, for a room it does
 * not hold, joins or mirrors a pipe it never asked for, and finally sends an
 * off-schema pipe frame: refused with `pipeReply` errors, nothing reaches
 * the real media node, and the off-schema frame loses only that node, not
 * the room: its peer's media moves to the real node. The honest pipe goes
 * through.
 */

const secret = randomBytes(32).toString('base64');
const redisUrl = `${inject('redisUrl').replace(/\/+$/, '')}/8`;
let node: MediaNode;
let url: string;

beforeAll(async () => {
  const redis = new Redis(redisUrl);
  await redis.flushdb();
  redis.disconnect();
  node = await startMediaNodeHere(redisUrl, secret);
  url = `ws://127.0.0.1:${node.controlPort}`;
});

afterAll(async () => {
  await node?.close();
});

type Frame = Record<string, unknown>;

/** An authenticated signal-node link to the media node: its frames, how it closed, and the node's id. */
async function link(): Promise<{ socket: WebSocket; frames: Frame[]; closed: Promise<number>; nodeId: string; call: (request: Frame) => Promise<Frame> }> {
  const socket = new WebSocket(url, { maxPayload: 4 * MEDIA_CONTROL_MAX_FRAME_BYTES });
  const frames: Frame[] = [];
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  await expect.poll(() => frames.find((f) => f.type === 'challenge')).toBeDefined();
  const nonce = String(frames.find((f) => f.type === 'challenge')?.nonce);
  socket.send(JSON.stringify({ type: 'hello', signalId: randomUUID(), proof: controlProof(secret, nonce) }));
  await expect.poll(() => frames.find((f) => f.type === 'welcome')).toBeDefined();
  let next = 1;
  const call = async (request: Frame) => {
    const id = next++;
    socket.send(JSON.stringify({ type: 'request', id, call: request }));
    await expect.poll(() => frames.find((f) => f.type === 'reply' && f.id === id), { timeout: 20_000 }).toBeDefined();
    return frames.find((f) => f.type === 'reply' && f.id === id) as Frame;
  };
  return { socket, frames, closed, nodeId: String(frames.find((f) => f.type === 'welcome')?.nodeId), call };
}

/** A room with one peer sending a camera on `via`: the producer's id. */
async function producerIn(via: Awaited<ReturnType<typeof link>>, roomId: string, peerId: string, ssrc: number): Promise<string> {
  expect(await via.call({ op: 'open', roomId, shape: 'group' })).toMatchObject({ ok: true });
  expect(await via.call({ op: 'addPeer', roomId, peerId, held: false })).toMatchObject({ ok: true });
  const transport = (await via.call({ op: 'createTransport', roomId, peerId, direction: 'send' })) as { result: { id: string } };
  expect(await via.call({ op: 'connectTransport', roomId, peerId, transportId: transport.result.id, dtlsParameters })).toMatchObject({ ok: true });
  const made = (await via.call({ op: 'produce', roomId, peerId, transportId: transport.result.id, kind: 'video', rtpParameters: videoParameters(ssrc), source: 'camera', paused: false })) as {
    ok: boolean;
    result: { producerId: string };
  };
  expect(made.ok).toBe(true);
  return made.result.producerId;
}

const errorOf = (reply: Frame) => (reply as { error?: { code?: string } }).error?.code;
const srtpParameters = { cryptoSuite: 'AEAD_AES_256_GCM', keyBase64: randomBytes(44).toString('base64') };

describe('pipe frames from a lying signal node, at a media node', () => {
  it('refuses foreign producers, itself as the far node, a far end outside the private networks; the honest pipe opens', { timeout: 60_000 }, async () => {
    const x = await link();
    const y = await link();
    const far = randomUUID();
    const mine = await producerIn(x, 'pipe-room', 'sender', 11_000);
    const elsewhere = await producerIn(x, 'pipe-other-room', 'sender-2', 12_000);
    // The tests' plain RTP ingress is off on a node not started for it (and refused in production).
    expect(errorOf(await x.call({ op: 'plainSend', roomId: 'pipe-room', peerId: 'sender' }))).toBe('invalid_state');

    // Another room's producer named under this room.
    expect(errorOf(await x.call({ op: 'pipeOpen', roomId: 'pipe-room', farNodeId: far, request: { pipeId: randomUUID(), producerId: elsewhere } }))).toBe('not_found');
    // A producer id no room has.
    expect(errorOf(await x.call({ op: 'pipeOpen', roomId: 'pipe-room', farNodeId: far, request: { pipeId: randomUUID(), producerId: randomUUID() } }))).toBe('not_found');
    // A pipe to the node itself.
    expect(errorOf(await x.call({ op: 'pipeOpen', roomId: 'pipe-room', farNodeId: x.nodeId, request: { pipeId: randomUUID(), producerId: mine } }))).toBe('pipe_refused');
    // Another signal node's peer's producer: not this link's, even once it opened the room too.
    expect(errorOf(await y.call({ op: 'pipeOpen', roomId: 'pipe-room', farNodeId: far, request: { pipeId: randomUUID(), producerId: mine } }))).toBe('not_found');
    expect(await y.call({ op: 'open', roomId: 'pipe-room', shape: 'group' })).toMatchObject({ ok: true });
    expect(errorOf(await y.call({ op: 'pipeOpen', roomId: 'pipe-room', farNodeId: far, request: { pipeId: randomUUID(), producerId: mine } }))).toBe('not_found');
    expect(node.pipes.outbound).toBe(0);

    // The honest opening: an offer on the node's pipe address, SRTP keyed.
    const pipeId = randomUUID();
    const offer = (await x.call({ op: 'pipeOpen', roomId: 'pipe-room', farNodeId: far, request: { pipeId, producerId: mine } })) as { ok: boolean; result: { pipeId: string; endpoint: { ip: string } } };
    expect(offer.ok).toBe(true);
    expect(offer.result.pipeId).toBe(pipeId);
    expect(node.pipes.outbound).toBe(1);
    // Another link cannot join or close it.
    expect(errorOf(await y.call({ op: 'pipeConnect', farNodeId: far, answer: { pipeId, endpoint: { ip: '10.0.0.9', port: 41000, srtpParameters } } }))).toBe('not_found');
    expect(errorOf(await y.call({ op: 'pipeClose', farNodeId: far, message: { pipeId } }))).toBe('not_found');
    // Nor can this link name it under another far node.
    expect(errorOf(await x.call({ op: 'pipeConnect', farNodeId: randomUUID(), answer: { pipeId, endpoint: { ip: '10.0.0.9', port: 41000, srtpParameters } } }))).toBe('not_found');
    // A far end outside MEDIA_PIPE_PEER_NETWORKS (a public address) is refused: the room's media never goes there.
    expect(errorOf(await x.call({ op: 'pipeConnect', farNodeId: far, answer: { pipeId, endpoint: { ip: '8.8.8.8', port: 41000, srtpParameters } } }))).toBe('pipe_refused');
    // A port outside the pipe range too.
    expect(errorOf(await x.call({ op: 'pipeConnect', farNodeId: far, answer: { pipeId, endpoint: { ip: '10.0.0.9', port: 443, srtpParameters } } }))).toBe('pipe_refused');
    // A mirror of a pipe that is not one is ignored.
    expect(await x.call({ op: 'pipeMirror', farNodeId: far, message: { pipeId: randomUUID(), event: 'close' } })).toMatchObject({ ok: true });
    // Closed by its own link: gone.
    expect(await x.call({ op: 'pipeClose', farNodeId: far, message: { pipeId } })).toMatchObject({ ok: true });
    await expect.poll(() => node.pipes.outbound).toBe(0);
    x.socket.close();
    y.socket.close();
  });

  it('as the consuming node: a pipe offer outside the private networks is refused and closed, another link\'s answer is ignored', { timeout: 60_000 }, async () => {
    const x = await link();
    const y = await link();
    const far = randomUUID();
    const opened = (await x.call({ op: 'open', roomId: 'far-room', shape: 'group' })) as { result: { rtpCapabilities: unknown } };
    expect(await x.call({ op: 'addPeer', roomId: 'far-room', peerId: 'receiver', held: false })).toMatchObject({ ok: true });
    expect(await x.call({ op: 'createTransport', roomId: 'far-room', peerId: 'receiver', direction: 'recv' })).toMatchObject({ ok: true });
    expect(await x.call({ op: 'setReady', roomId: 'far-room', peerId: 'receiver', rtpCapabilities: opened.result.rtpCapabilities })).toMatchObject({ ok: true });
    // y may not announce into a room it did not open.
    expect(errorOf(await y.call({ op: 'farProducer', roomId: 'far-room', peerId: 'far-peer', producerId: randomUUID(), kind: 'video', source: 'camera', farNodeId: far }))).toBe('not_found');
    // Nor may a producer be announced as the node's own peer's.
    expect(errorOf(await x.call({ op: 'farProducer', roomId: 'far-room', peerId: 'receiver', producerId: randomUUID(), kind: 'video', source: 'camera', farNodeId: far }))).toBe('invalid_state');

    const producerId = randomUUID();
    expect(await x.call({ op: 'farProducer', roomId: 'far-room', peerId: 'far-peer', producerId, kind: 'video', source: 'camera', farNodeId: far })).toMatchObject({ ok: true });
    // The receiver is ready: the node asks (through this link) for the pipe.
    await expect.poll(() => x.frames.find((f) => f.event === 'pipeCall'), { timeout: 20_000 }).toBeDefined();
    const ask = x.frames.find((f) => f.event === 'pipeCall') as { callId: number; farNodeId: string; call: { op: string; request: { pipeId: string; producerId: string } } };
    expect(ask).toMatchObject({ farNodeId: far, call: { op: 'open', request: { producerId } } });
    const offer = (ip: string) => ({
      pipeId: ask.call.request.pipeId,
      producerId,
      kind: 'video',
      rtpParameters: videoParameters(13_000),
      paused: false,
      appData: { peerId: 'far-peer', source: 'camera' },
      endpoint: { ip, port: 41000, srtpParameters },
    });
    // Another link answering this node's call (a private address, so it would be taken) is not heard.
    expect(await y.call({ op: 'pipeReply', callId: ask.callId, ok: true, result: offer('10.0.0.9') })).toMatchObject({ ok: true });
    // The link's own answer points at a public address: refused, and the far end is told to close.
    expect(await x.call({ op: 'pipeReply', callId: ask.callId, ok: true, result: offer('8.8.8.8') })).toMatchObject({ ok: true });
    await expect.poll(() => x.frames.filter((f) => f.event === 'pipeCall').map((f) => (f as { call: { op: string } }).call.op), { timeout: 20_000 }).toContain('close');
    const calls = x.frames.filter((f) => f.event === 'pipeCall').map((f) => (f as { call: { op: string } }).call.op);
    // Never joined (no 'connect'), no consumer offered, nothing open.
    expect(calls).not.toContain('connect');
    expect(x.frames.some((f) => f.event === 'consumer')).toBe(false);
    expect(y.frames.some((f) => f.event === 'pipeCall')).toBe(false);
    expect(node.pipes.inbound).toBe(0);
    x.socket.close();
    y.socket.close();
  });

  it('malformed and oversized pipe frames close the link; the node keeps serving', { timeout: 60_000 }, async () => {
    const bad = [
      { op: 'pipeOpen', roomId: 'r', farNodeId: 'not-a-node-id', request: { pipeId: 'p', producerId: 'q' } },
      { op: 'pipeOpen', roomId: 'r', farNodeId: randomUUID(), request: 'a string' },
      { op: 'pipeConnect', farNodeId: randomUUID(), answer: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i])) },
      { op: 'pipeReply', callId: -1, ok: true },
      { op: 'farProducer', roomId: 'r', peerId: 'p', producerId: randomUUID(), kind: 'data', source: 'camera', farNodeId: randomUUID() },
      { op: 'pipeMirror', farNodeId: randomUUID(), message: { pipeId: 'p', event: 'x'.repeat(MEDIA_CONTROL_MAX_FRAME_BYTES) } },
    ];
    for (const request of bad) {
      const x = await link();
      x.socket.send(JSON.stringify({ type: 'request', id: 1, call: request }));
      expect(await x.closed).toBeGreaterThanOrEqual(1000);
      expect(x.frames.some((f) => f.type === 'reply')).toBe(false);
    }
    const x = await link();
    expect(await x.call({ op: 'open', roomId: 'still-serving', shape: 'group' })).toMatchObject({ ok: true });
    x.socket.close();
  });
});

/** A fake media node: a real WebSocket server speaking the channel, answering what it is asked as a node would, sending what the test says. */
class FakeMediaNode {
  readonly nodeId = randomUUID();
  readonly requests: Frame[] = [];
  socket: WebSocket | undefined;
  private constructor(
    readonly server: WebSocketServer,
    private readonly rtpCapabilities: unknown,
  ) {
    server.on('connection', (socket) => {
      this.socket = socket;
      socket.send(JSON.stringify({ type: 'challenge', nonce: randomBytes(32).toString('base64url') }));
      socket.on('message', (data) => {
        const frame = JSON.parse(String(data)) as Frame;
        if (frame.type === 'hello') return void socket.send(JSON.stringify({ type: 'welcome', nodeId: this.nodeId }));
        const call = frame.call as Frame;
        if (call.op !== 'ping') this.requests.push(call);
        const result = call.op === 'open' ? { instance: 1, rtpCapabilities: this.rtpCapabilities } : {};
        socket.send(JSON.stringify({ type: 'reply', id: frame.id, ok: true, result }));
      });
    });
  }

  static async start(rtpCapabilities: unknown): Promise<FakeMediaNode> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((resolve) => server.once('listening', resolve));
    return new FakeMediaNode(server, rtpCapabilities);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  push(event: Frame): void {
    this.socket?.send(JSON.stringify({ type: 'event', ...event }));
  }

  /** The signal node's answer to the fake's pipe call `callId`. */
  replyTo(callId: number): Frame | undefined {
    return this.requests.find((r) => r.op === 'pipeReply' && r.callId === callId);
  }
}

describe('pipe frames from a lying media node, at the signal node', () => {
  let redis: Redis;
  let rooms: RemoteMediaRooms;
  let fake: FakeMediaNode;
  let beat: NodeJS.Timeout;

  afterAll(async () => {
    clearInterval(beat);
    rooms?.closeAll();
    fake?.socket?.terminate();
    fake?.server.close();
    redis?.disconnect();
  });

  it('refuses pipe calls for other rooms\' producers, nodes and pipes; an off-schema frame loses that node, whose peer moves to the room\'s other node', { timeout: 90_000 }, async () => {
    redis = new Redis(redisUrl);
    const registry = new MediaNodeRegistry(redis);
    rooms = new RemoteMediaRooms(registry, secret, createLogger('warn'), { spillLoad: 0.8, peersPerNode: 1 });
    // Both rooms live first on the real node.
    for (const roomId of ['span-room', 'span-other']) await redis.set(`media:home:${roomId}`, node.nodeId, 'PX', 60_000);
    const room = await rooms.getOrCreate('span-room', 'group');
    const other = await rooms.getOrCreate('span-other', 'group');
    const produce = async (media: RemoteRoomMedia, peerId: string, ssrc: number) => {
      await media.addPeer(peerId, { held: false });
      const transport = await media.createTransport(peerId, 'send');
      await media.connectTransport(peerId, transport.id, dtlsParameters as never);
      return (await media.produce(peerId, transport.id, 'video', videoParameters(ssrc) as never, 'camera', false)).producerId;
    };
    const mine = await produce(room, 'near', 21_000);
    const elsewhere = await produce(other, 'other-near', 22_000);

    fake = await FakeMediaNode.start(room.rtpCapabilities);
    const publish = () => registry.publish({ nodeId: fake.nodeId, address: '127.0.0.1', controlUrl: fake.url, load: 0, state: 'up' });
    await publish();
    beat = setInterval(() => void publish().catch(() => undefined), 1000);
    // The real node holds one of the room's peers: the next goes to the fake node, which learns of the room's producer.
    await room.addPeer('far', { held: false });
    expect(room.nodeOf('far')).toBe(fake.nodeId);
    await expect.poll(() => fake.requests.find((r) => r.op === 'farProducer')).toMatchObject({ producerId: mine, farNodeId: node.nodeId });

    let callId = 100;
    const refused = async (event: Frame) => {
      const id = ++callId;
      fake.push({ event: 'pipeCall', callId: id, ...event });
      await expect.poll(() => fake.replyTo(id), { timeout: 20_000 }).toBeDefined();
      return fake.replyTo(id) as { ok: boolean; error?: { code: string } };
    };
    const open = (producerId: string) => ({ op: 'open', request: { pipeId: randomUUID(), producerId } });
    // Another room's producer, named under this room.
    expect(await refused({ roomId: 'span-room', farNodeId: node.nodeId, call: open(elsewhere) })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // A far node that is not the room's.
    expect(await refused({ roomId: 'span-room', farNodeId: randomUUID(), call: open(mine) })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // A room the fake node does not hold.
    expect(await refused({ roomId: 'span-other', farNodeId: node.nodeId, call: open(elsewhere) })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // A room that does not exist here.
    expect(await refused({ roomId: 'no-such-room', farNodeId: node.nodeId, call: open(mine) })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    // Joining and closing a pipe never asked for.
    const never = { pipeId: randomUUID(), endpoint: { ip: '10.0.0.9', port: 41000, srtpParameters } };
    expect(await refused({ roomId: 'span-room', farNodeId: node.nodeId, call: { op: 'connect', answer: never } })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await refused({ roomId: 'span-room', farNodeId: node.nodeId, call: { op: 'close', message: { pipeId: never.pipeId } } })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(node.pipes.outbound).toBe(0);

    // The honest call goes through: the real node opens its end, and closes it when asked.
    const pipeId = randomUUID();
    const honest = await refused({ roomId: 'span-room', farNodeId: node.nodeId, call: { op: 'open', request: { pipeId, producerId: mine } } });
    expect(honest).toMatchObject({ ok: true, result: { pipeId, producerId: mine } });
    expect(node.pipes.outbound).toBe(1);
    expect(await refused({ roomId: 'span-room', farNodeId: node.nodeId, call: { op: 'close', message: { pipeId } } })).toMatchObject({ ok: true });
    await expect.poll(() => node.pipes.outbound).toBe(0);
    // A mirror the fake sends for a pipe of the real node's: not the fake's to mirror, nothing forwarded.
    const before = fake.requests.length;
    fake.push({ event: 'pipeMirror', farNodeId: node.nodeId, message: { pipeId, event: 'close' } });

    // Off-schema: the fake node is lost; its peer's media moves to the real node (crowded beats refused); the room lives on.
    const moved = new Promise<string>((resolve) => room.once('peerMoved', ({ peerId }) => resolve(peerId)));
    fake.push({ event: 'pipeCall', callId: 1, roomId: 'span-room', farNodeId: node.nodeId, call: { op: 'open', request: 'not an object' } });
    expect(await moved).toBe('far');
    expect(fake.requests.slice(before).some((r) => r.op === 'pipeMirror')).toBe(false);
    expect(room.closed).toBe(false);
    expect(room.sides.map((side) => side.nodeId)).toEqual([node.nodeId]);
    expect(room.nodeOf('near')).toBe(node.nodeId);
    expect(room.nodeOf('far')).toBe(node.nodeId);
  });
});
