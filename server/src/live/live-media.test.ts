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
