import dgram from 'node:dgram';
import { LocalMediaRooms, MediaError, Room, RoomRegistry, WorkerPool, type MediaSettings } from '@care/media';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { audioParameters } from '../support/protocol-peer.js';

const log = pino({ level: 'silent' });
const settings = (over: Partial<MediaSettings> = {}): MediaSettings => ({
  workers: 1,
  workerBin: process.env.MEDIASOUP_WORKER_BIN,
  listenIp: '127.0.0.1',
  portBase: 0,
  initialAvailableOutgoingBitrate: 1_000_000,
  consumersPerWorker: 500,
  logLevel: 'warn',
  ...over,
});

let pool: WorkerPool | undefined;
afterEach(() => {
  pool?.close();
  pool = undefined;
});

describe('mediasoup worker pool (the real worker)', () => {
  it('gives each worker one UDP and one TCP port through its WebRtcServer', async () => {
    pool = await WorkerPool.create(settings({ workers: 2 }), log);
    const { udp, tcp } = pool.ports();
    expect(udp).toHaveLength(2);
    expect(tcp).toHaveLength(2);
    for (const port of [...udp, ...tcp]) expect(port).toBeGreaterThan(0);

    const registry = new RoomRegistry(pool, settings(), log);
    const room = await registry.getOrCreate('room-a', 'group');
    room.addPeer('p1');
    const transport = await room.createTransport('p1', 'send');
    // All candidates point at the worker's shared ports: one UDP, one TCP.
    expect(transport.iceCandidates.map((c) => c.protocol).sort()).toEqual(['tcp', 'udp']);
    const ports = new Set(transport.iceCandidates.map((c) => c.port));
    expect([...ports].every((p) => udp.includes(p) || tcp.includes(p))).toBe(true);
  });

  it('puts two people arriving at once in the same room', async () => {
    pool = await WorkerPool.create(settings(), log);
    const registry = new RoomRegistry(pool, settings(), log);
    const [a, b] = await Promise.all([registry.getOrCreate('same', 'group'), registry.getOrCreate('same', 'group')]);
    expect(a).toBe(b);
    expect(registry.size).toBe(1);
  });

  it('reports a media port that is in use, naming the setting to change', async () => {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    const busy = socket.address().port;
    try {
      const attempt = WorkerPool.create(settings({ portBase: busy }), log);
      await expect(attempt).rejects.toBeInstanceOf(MediaError);
      await expect(attempt).rejects.toThrow(/MEDIA_PORT_BASE/);
    } finally {
      socket.close();
    }
  });

  it('replaces a worker that dies and tells its rooms, so they can be rebuilt', async () => {
    pool = await WorkerPool.create(settings(), log);
    const registry = new RoomRegistry(pool, settings(), log);
    const room = await registry.getOrCreate('fragile', 'group');
    const closed = new Promise<string>((resolve) => room.once('closed', resolve));
    const replaced = new Promise<number>((resolve) => pool?.once('workerReplaced', resolve));
    const pid = pool.leastLoaded().worker.pid;
    process.kill(pid, 'SIGKILL');
    expect(await closed).toBe('media_failure');
    expect(await replaced).toBe(0);
    expect(pool.leastLoaded().worker.pid).not.toBe(pid);
    const again: Room = await registry.getOrCreate('fragile', 'group');
    expect(again).not.toBe(room);
    expect(again.closed).toBe(false);
  });

  it('rebuilds a room whose only worker died on its replacement, with the same peers held or admitted as they were', async () => {
    pool = await WorkerPool.create(settings(), log);
    const rooms = new LocalMediaRooms(new RoomRegistry(pool, settings(), log), { rebuildOnWorkerDeath: true });
    const media = await rooms.getOrCreate('survivor', 'group');
    await media.addPeer('inside', { held: true });
    await media.admit('inside');
    await media.addPeer('waiting', { held: true });
    await media.addPeer('gone', { held: true });
    const before = media.room;
    const moved: string[] = [];
    media.on('peerMoved', ({ peerId }) => moved.push(peerId));
    let closed = false;
    media.on('closed', () => (closed = true));
    process.kill(pool.leastLoaded().worker.pid, 'SIGKILL');
    // One leaves while the worker is being replaced: it is not added again.
    await new Promise<void>((resolve) => before.once('closed', () => resolve()));
    media.removePeer('gone');
    await expect.poll(() => moved.length, { timeout: 15_000, interval: 50 }).toBe(2);
    expect(moved.sort()).toEqual(['inside', 'waiting']);
    expect(closed).toBe(false);
    expect(media.closed).toBe(false);
    expect(media.room).not.toBe(before);
    expect(rooms.get('survivor')).toBe(media);
    expect(media.room.peer('inside').held).toBe(false);
    expect(media.room.peer('waiting').held).toBe(true);
    expect(media.room.peerIfPresent('gone')).toBeUndefined();
    // The rebuilt room works as any other, and ends as any other once empty.
    await media.createTransport('inside', 'send');
    media.removePeer('inside');
    media.removePeer('waiting');
    rooms.releaseIfEmpty('survivor');
    expect(closed).toBe(true);
    expect(rooms.get('survivor')).toBeUndefined();
  });

  it('gives a peer one consumer per producer, however many paths reach it at once', async () => {
    pool = await WorkerPool.create(settings(), log);
    const registry = new RoomRegistry(pool, settings(), log);
    const room = await registry.getOrCreate('crowded', 'group');
    room.addPeer('sender');
    room.addPeer('receiver');
    const send = await room.createTransport('sender', 'send');
    await room.createTransport('receiver', 'recv');
    const producer = await room.produce('sender', send.id, 'audio', audioParameters(1111, room.rtpCapabilities) as never);
    const announced: string[] = [];
    room.on('consumer', ({ peerId, consumer }) => {
      if (peerId === 'receiver' && consumer.producerId === producer.id) announced.push(consumer.id);
    });
    // A page says it is ready while a reconnect (or a flood) says so again: both paths find the producer.
    await Promise.all([room.setReady('receiver', room.rtpCapabilities), room.setReady('receiver', room.rtpCapabilities)]);
    expect(announced).toHaveLength(1);
    expect([...room.peer('receiver').consumers.values()].filter((c) => c.producerId === producer.id)).toHaveLength(1);
  });

  it("takes a view of a consumer whose sender leaves while the view is on its way as moot, and a stranger's consumer id as not found", async () => {
    pool = await WorkerPool.create(settings(), log);
    const registry = new RoomRegistry(pool, settings(), log);
    const room = await registry.getOrCreate('churn', 'group');
    room.addPeer('receiver');
    await room.createTransport('receiver', 'recv');
    await room.setReady('receiver', room.rtpCapabilities);
    const receiver = room.peer('receiver');
    for (let round = 0; round < 20; round++) {
      const sender = `sender-${round}`;
      room.addPeer(sender);
      const send = await room.createTransport(sender, 'send');
      const consumed = new Promise<string>((resolve) => room.once('consumer', ({ consumer }) => resolve(consumer.id)));
      await room.produce(sender, send.id, 'audio', audioParameters(5000 + round, room.rtpCapabilities) as never);
      const consumerId = await consumed;
      await receiver.consumerReady(consumerId);
      // The sender goes, and a view comes before the worker's word of it: the worker no longer knows the consumer the view names.
      room.removePeer(sender);
      expect(receiver.consumers.has(consumerId)).toBe(true);
      await Promise.all([receiver.setConsumerView(consumerId, 0, round % 2 === 0), receiver.setConsumerView(consumerId, 0, true)]);
      await expect.poll(() => receiver.consumers.has(consumerId)).toBe(false);
      // And once it is gone, a view of it is moot as well.
      await receiver.setConsumerView(consumerId, 0, false);
    }
    await expect(receiver.setConsumerView('not-a-consumer-of-this-peer', 0, true)).rejects.toMatchObject({ code: 'not_found' });
  });

  it('holds a peer waiting in the lobby: its producer reaches nobody and it receives nothing until admitted, then both at once', async () => {
    pool = await WorkerPool.create(settings(), log);
    const registry = new RoomRegistry(pool, settings(), log);
    const room = await registry.getOrCreate('lobby', 'group');
    room.addPeer('inside');
    room.addPeer('waiting', { held: true });
    const inside = await room.createTransport('inside', 'send');
    await room.createTransport('inside', 'recv');
    const waiting = await room.createTransport('waiting', 'send');
    await room.createTransport('waiting', 'recv');
    const created: Array<[string, string]> = [];
    room.on('consumer', ({ peerId, producerPeerId }) => created.push([peerId, producerPeerId]));
    await room.produce('inside', inside.id, 'audio', audioParameters(2222, room.rtpCapabilities) as never);
    await room.produce('waiting', waiting.id, 'audio', audioParameters(3333, room.rtpCapabilities) as never);
    await room.setReady('inside', room.rtpCapabilities);
    await room.setReady('waiting', room.rtpCapabilities);
    expect(created).toEqual([]);
    expect(room.peer('waiting').consumers.size).toBe(0);

    await room.admit('waiting');
    expect(created.sort()).toEqual([
      ['inside', 'waiting'],
      ['waiting', 'inside'],
    ]);
    // Admitted twice (a late second call) changes nothing.
    await room.admit('waiting');
    expect(created).toHaveLength(2);
  });
});
