import { EventEmitter } from 'node:events';
import type { MediaRooms, RoomMedia, RoomShape } from '@care/media';
import type { ServerEventName, ServerEventPayload } from '@care/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import type { Notifier } from '../notifier.js';
import type { SessionAccess } from '../sessions/session-directory.js';
import type { LivePeer } from './live-peer.js';
import { LiveRooms, type LiveRoomEvents } from './live-rooms.js';

/** A media room as far as membership goes: which peers it holds, and its 'closed' event (the real one needs a worker). */
class MediaRoomDouble extends EventEmitter {
  readonly peers = new Set<string>();
  readonly rtpCapabilities = { codecs: [] };
  constructor(
    readonly id: string,
    readonly shape: RoomShape,
  ) {
    super();
  }
  addPeer(peerId: string): void {
    this.peers.add(peerId);
  }
  removePeer(peerId: string): void {
    this.peers.delete(peerId);
  }
}

class MediaRoomsDouble {
  readonly rooms = new Map<string, MediaRoomDouble>();
  async getOrCreate(roomId: string, shape: RoomShape): Promise<MediaRoomDouble> {
    const room = this.rooms.get(roomId) ?? new MediaRoomDouble(roomId, shape);
    this.rooms.set(roomId, room);
    return room;
  }
  get(roomId: string): MediaRoomDouble | undefined {
    return this.rooms.get(roomId);
  }
  releaseIfEmpty(roomId: string): void {
    if (this.rooms.get(roomId)?.peers.size === 0) this.rooms.delete(roomId);
  }
}

interface Told {
  to: string;
  event: ServerEventName;
  payload: unknown;
}

function setUp() {
  const told: Told[] = [];
  const notifier: Notifier = {
    toConnection<E extends ServerEventName>(connectionId: string, event: E, payload: ServerEventPayload<E>) {
      told.push({ to: connectionId, event, payload });
    },
    toUser() {},
    // LiveRooms never asks a client anything; a request would be a change this test should see.
    ask: () => Promise.reject(new Error('LiveRooms asked a client')),
  };
  const media = new MediaRoomsDouble();
  const rooms = new LiveRooms(media as unknown as MediaRooms, notifier, pino({ level: 'silent' }));
  const events: Array<{ name: keyof LiveRoomEvents; args: unknown[] }> = [];
  rooms.on('peerJoined', (peer, room) => events.push({ name: 'peerJoined', args: [peer.peerId, (room as unknown as MediaRoomDouble).id] }));
  rooms.on('peerLeft', (peer, departure) => events.push({ name: 'peerLeft', args: [peer.peerId, departure] }));
  rooms.on('roomEmptied', (roomId) => events.push({ name: 'roomEmptied', args: [roomId] }));
  rooms.on('waitingEnded', (peer) => events.push({ name: 'waitingEnded', args: [peer.peerId] }));
  return { rooms, media, told, events };
}

function access(overrides: Partial<SessionAccess> = {}): SessionAccess {
  return {
    sessionId: 's1',
    kind: 'circle',
    roomId: 'room-1',
    startsAt: new Date(),
    endsAt: new Date(),
    active: true,
    host: { id: 'host', displayName: 'Host' },
    isHost: false,
    nameInRoom: 'Melati',
    pseudonymous: true,
    maxPeers: 3,
    ...overrides,
  };
}

const asn = (id: string): LivePeer['user'] => ({ id, role: 'asn' });

describe('LiveRooms', () => {
  it('seats a newcomer, tells those already there, then tells the live session', async () => {
    const { rooms, media, told, events } = setUp();
    const first = await rooms.join('c1', access({ isHost: true, nameInRoom: 'Host' }), { id: 'host', role: 'counselor' });
    const second = await rooms.join('c2', access(), asn('u2'));

    expect(second.peers.map((p) => p.peerId)).toEqual([first.peerId]);
    expect(media.get('room-1')?.peers).toEqual(new Set([first.peerId, second.peerId]));
    const joinedNotice = told.find((t) => t.event === 'room:peer-joined' && t.to === 'c1');
    // A pseudonymous member reaches the others without an account id.
    expect(joinedNotice?.payload).toEqual({ peerId: second.peerId, displayName: 'Melati', role: 'asn', host: false, sending: { audio: true, video: true } });
    expect(events).toEqual([
      { name: 'peerJoined', args: [first.peerId, 'room-1'] },
      { name: 'peerJoined', args: [second.peerId, 'room-1'] },
    ]);
  });

  it('says whether a leaver keeps their place: yes for a dropped connection, no for leaving or removal', async () => {
    const { rooms, events } = setUp();
    const host = await rooms.join('c1', access({ isHost: true }), { id: 'host', role: 'counselor' });
    const a = await rooms.join('c2', access(), asn('a'));
    const b = await rooms.join('c3', access(), asn('b'));
    events.length = 0;

    await rooms.leave('c2', 'disconnected');
    await rooms.leave('c3', 'removed');
    await rooms.leave('c1', 'left');

    expect(events).toEqual([
      { name: 'peerLeft', args: [a.peerId, { reason: 'disconnected', keepsPlace: true }] },
      { name: 'peerLeft', args: [b.peerId, { reason: 'removed', keepsPlace: false }] },
      { name: 'peerLeft', args: [host.peerId, { reason: 'left', keepsPlace: false }] },
      { name: 'roomEmptied', args: ['room-1'] },
    ]);
    expect(() => rooms.peerOf('c1')).toThrow(AppError);
  });

  it('lets a second tab take over the seat: the old one is told "replaced" and keeps its place', async () => {
    const { rooms, told, events } = setUp();
    const host = await rooms.join('c1', access({ isHost: true }), { id: 'host', role: 'counselor' });
    const old = await rooms.join('c2', access(), asn('a'));
    const fresh = await rooms.join('c3', access(), asn('a'));

    expect(told).toContainEqual({ to: 'c2', event: 'room:closed', payload: { reason: 'replaced' } });
    expect(told).toContainEqual({ to: 'c1', event: 'room:peer-left', payload: { peerId: old.peerId, reason: 'left' } });
    expect(events).toContainEqual({ name: 'peerLeft', args: [old.peerId, { reason: 'left', keepsPlace: true }] });
    expect(rooms.peersIn('room-1').map((p) => p.peerId)).toEqual([host.peerId, fresh.peerId]);
    expect(events.some((e) => e.name === 'roomEmptied')).toBe(false);
  });

  it('refuses a seat beyond the session\'s size', async () => {
    const { rooms } = setUp();
    await rooms.join('c1', access({ maxPeers: 2, isHost: true }), { id: 'host', role: 'counselor' });
    await rooms.join('c2', access({ maxPeers: 2 }), asn('a'));
    await expect(rooms.join('c3', access({ maxPeers: 2 }), asn('b'))).rejects.toMatchObject({ code: 'room_full' });
  });

  it('runs one connection\'s joins and leaves in order, so a burst of rejoins leaves one peer', async () => {
    const { rooms } = setUp();
    const joins = [rooms.join('c1', access(), asn('a')), rooms.join('c1', access(), asn('a')), rooms.join('c1', access(), asn('a'))];
    const last = (await Promise.all(joins)).at(-1);
    expect(rooms.peersIn('room-1').map((p) => p.peerId)).toEqual([last?.peerId]);
  });

  it('empties a room whose worker died and tells everyone there to rejoin', async () => {
    const { rooms, media, told } = setUp();
    await rooms.join('c1', access({ isHost: true }), { id: 'host', role: 'counselor' });
    await rooms.join('c2', access(), asn('a'));
    (media.get('room-1') as unknown as RoomMedia).emit('closed', 'media_failure');

    expect(rooms.peersIn('room-1')).toEqual([]);
    expect(told.filter((t) => t.event === 'room:closed').map((t) => t.to)).toEqual(['c1', 'c2']);
  });

  it('holds a peer prepared in the lobby apart: in the media room, in no room\'s list, told of nothing and told to nobody', async () => {
    const { rooms, media, told, events } = setUp();
    await rooms.join('c1', access({ isHost: true }), { id: 'host', role: 'counselor' });
    told.length = 0;
    events.length = 0;
    const prepared = await rooms.prepare('c2', access(), asn('a'));

    expect(media.get('room-1')?.peers.has(prepared.peerId)).toBe(true);
    expect(rooms.peersIn('room-1').map((p) => p.peerId)).not.toContain(prepared.peerId);
    expect(rooms.peerById(prepared.peerId)).toBeUndefined();
    expect(() => rooms.peerOf('c2')).toThrow(expect.objectContaining({ code: 'not_admitted' }));
    expect(rooms.mediaPeerOf('c2').peerId).toBe(prepared.peerId);
    expect(rooms.mediaPeerOf('c2').admitted).toBe(false);
    expect(told).toEqual([]);
    expect(events).toEqual([]);
  });

  it('lets the prepared peer in as it is: the same peer, the others told, the live session told', async () => {
    const { rooms, told, events } = setUp();
    const host = await rooms.join('c1', access({ isHost: true }), { id: 'host', role: 'counselor' });
    const prepared = await rooms.prepare('c2', access(), asn('a'));
    const [waiting] = rooms.waitingFor('s1', ['a']);
    const entered = waiting && (await rooms.letIn(waiting.peer, waiting.access));

    expect(entered?.peerId).toBe(prepared.peerId);
    expect(entered?.peers.map((p) => p.peerId)).toEqual([host.peerId]);
    expect(rooms.peerOf('c2').admitted).toBe(true);
    expect(told).toContainEqual(expect.objectContaining({ to: 'c1', event: 'room:peer-joined' }));
    expect(events.at(-1)).toEqual({ name: 'peerJoined', args: [prepared.peerId, 'room-1'] });
    // Its own `room:join` afterwards would be a rejoin; before, it is the way in for a page the host's node did not let in.
    const other = await rooms.prepare('c3', access(), asn('b'));
    expect((await rooms.join('c3', access(), asn('b'))).peerId).toBe(other.peerId);
  });

  it('drops the prepared peers of those turned away, and a prepared peer that leaves, without a word to the room', async () => {
    const { rooms, media, told, events } = setUp();
    await rooms.join('c1', access({ isHost: true }), { id: 'host', role: 'counselor' });
    const a = await rooms.prepare('c2', access(), asn('a'));
    const b = await rooms.prepare('c3', access(), asn('b'));
    told.length = 0;
    events.length = 0;
    rooms.dropWaiting('s1', ['a']);
    await rooms.leave('c3', 'disconnected');

    expect(events).toEqual([
      { name: 'waitingEnded', args: [a.peerId] },
      { name: 'waitingEnded', args: [b.peerId] },
    ]);
    expect(told).toEqual([]);
    expect(media.get('room-1')?.peers.size).toBe(1);
    expect(rooms.waitingFor('s1', ['a', 'b'])).toEqual([]);
  });
});
