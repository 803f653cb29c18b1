import { EventEmitter } from 'node:events';
import type { MediaRooms } from '@care/media';
import type { ServerEventName } from '@care/shared';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Notifier } from '../notifier.js';
import { LiveMedia } from './live-media.js';
import type { LivePeer } from './live-peer.js';
import type { LiveRooms } from './live-rooms.js';

/** A room's media as far as the speaker goes: its 'activeSpeaker' event and the calls a newcomer's entry makes. */
class RoomMediaDouble extends EventEmitter {
  readonly admitted: string[] = [];
  readonly closed = false;
  constructor(readonly id: string) {
    super();
  }
  async setSending(): Promise<void> {}
  async admit(peerId: string): Promise<void> {
    this.admitted.push(peerId);
  }
  async setVideoFocus(): Promise<void> {}
}

function peer(peerId: string, roomId = 'room-1'): LivePeer {
  return {
    peerId,
    connectionId: `conn-${peerId}`,
    roomId,
    sessionId: 'session-1',
    user: { id: `user-${peerId}`, role: 'asn' },
    nameInRoom: peerId,
    host: false,
    anonymous: true,
    sending: { audio: true, video: true },
    mode: 'full',
    admitted: true,
  };
}

function setUp() {
  const room = new RoomMediaDouble('room-1');
  const inRoom: LivePeer[] = [];
  const told: Array<{ to: string; event: ServerEventName; payload: unknown }> = [];
  const notifier: Notifier = {
    toConnection: (to, event, payload) => void told.push({ to, event, payload }),
    toUser() {},
    ask: () => Promise.reject(new Error('not asked here')),
  };
  // Only what the speaker path touches: the peers in a room, and the room's media by id.
  const rooms = { peersIn: () => inRoom } as unknown as LiveRooms;
  const media = { get: (id: string) => (id === room.id ? room : undefined) } as unknown as MediaRooms;
  const live = new LiveMedia(rooms, media, { mayShare: () => false }, notifier, pino({ level: 'silent' }));
  live.follow(room as never);
  const speakerNews = (to: string) => told.filter((t) => t.to === to && t.event === 'room:active-speaker').map((t) => t.payload);
  return { room, inRoom, live, speakerNews };
}

describe('LiveMedia and the active speaker', () => {
  it('tells everyone in the room when the speaker changes', () => {
    const { room, inRoom, speakerNews } = setUp();
    inRoom.push(peer('a'), peer('b'));
    room.emit('activeSpeaker', { peerId: 'a' });
    expect(speakerNews('conn-a')).toEqual([{ peerId: 'a' }]);
    expect(speakerNews('conn-b')).toEqual([{ peerId: 'a' }]);
  });

  it('tells a newcomer who speaks now: the observer reports changes only, so it would otherwise show nobody speaking', async () => {
    const { room, inRoom, live, speakerNews } = setUp();
    inRoom.push(peer('a'));
    room.emit('activeSpeaker', { peerId: 'a' });
    const newcomer = peer('b');
    inRoom.push(newcomer);
    await live.admitted(newcomer);
    expect(room.admitted).toEqual(['b']);
    expect(speakerNews('conn-b')).toEqual([{ peerId: 'a' }]);
  });

  it('tells a newcomer nothing while nobody has spoken, nor of a speaker who has left', async () => {
    const { room, inRoom, live, speakerNews } = setUp();
    const first = peer('a');
    await live.admitted(first);
    expect(speakerNews('conn-a')).toEqual([]);
    inRoom.push(first);
    room.emit('activeSpeaker', { peerId: 'a' });
    live.peerLeft(first);
    const newcomer = peer('b');
    await live.admitted(newcomer);
    expect(speakerNews('conn-b')).toEqual([]);
  });
});

/** A room's media as far as its producers' holds go: a producer is made (slowly, as the worker does) paused or not, and setSending holds or forwards those that exist. */
class ProducingRoomDouble extends RoomMediaDouble {
  readonly paused = new Map<string, boolean>();
  #made: Array<() => void> = [];
  produce(_peerId: string, _transportId: string, kind: string, _rtp: unknown, _named: unknown, paused: boolean): Promise<{ producerId: string; source: string }> {
    const source = kind === 'audio' ? 'microphone' : 'camera';
    return new Promise((resolve) =>
      this.#made.push(() => {
        this.paused.set(source, paused);
        resolve({ producerId: `producer-${source}`, source });
      }),
    );
  }
  override async setSending(_peerId?: string, send?: Record<string, boolean>): Promise<void> {
    for (const source of this.paused.keys()) this.paused.set(source, !send?.[source]);
  }
  /** The worker finishes the producers asked for so far. */
  finish(): void {
    for (const made of this.#made.splice(0)) made();
  }
}

/** A page still waiting in the lobby, its room's media making producers slowly. */
function producingSetUp() {
  const room = new ProducingRoomDouble('room-1');
  const waiting = { ...peer('client'), admitted: false };
  const rooms = { peersIn: () => [], mediaPeerOf: () => waiting } as unknown as LiveRooms;
  const media = { get: () => room } as unknown as MediaRooms;
  const notifier: Notifier = { toConnection() {}, toUser() {}, ask: () => Promise.reject(new Error('not asked here')) };
  const live = new LiveMedia(rooms, media, { mayShare: () => false }, notifier, pino({ level: 'silent' }));
  return { room, waiting, live };
}

describe('LiveMedia and the holds on a prepared page', () => {
  it('forwards a producer made while the host let its sender in: the admission could not find it yet', async () => {
    const { room, waiting, live } = producingSetUp();
    const voice = live.produce('conn-client', 'send-transport', 'audio', { codecs: [], encodings: [] } as never);
    // Let in while the worker makes the producer (it was asked for held: its sender was still waiting).
    waiting.admitted = true;
    await live.admitted(waiting);
    room.finish();
    await voice;
    expect(room.paused.get('microphone')).toBe(false);
  });

  it('keeps a producer made while its sender still waits held', async () => {
    const { room, live } = producingSetUp();
    const voice = live.produce('conn-client', 'send-transport', 'audio', { codecs: [], encodings: [] } as never);
    room.finish();
    await voice;
    expect(room.paused.get('microphone')).toBe(true);
  });
});
