import type { PeerView } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { announcements } from './link-double.test-support.js';
import { RemoteParticipants } from './remote-participants.svelte.js';

/** The part of a MediaStream a participant's tile uses (Node has none). */
class StreamDouble {
  readonly tracks: MediaStreamTrack[] = [];
  addTrack(track: MediaStreamTrack): void {
    this.tracks.push(track);
  }
  removeTrack(track: MediaStreamTrack): void {
    this.tracks.splice(this.tracks.indexOf(track), 1);
  }
  getAudioTracks(): MediaStreamTrack[] {
    return this.tracks.filter((t) => t.kind === 'audio');
  }
  getVideoTracks(): MediaStreamTrack[] {
    return this.tracks.filter((t) => t.kind === 'video');
  }
}

const track = (kind: 'audio' | 'video') => ({ kind }) as MediaStreamTrack;

function participants({ oneToOne = false } = {}) {
  const { said, announce } = announcements();
  const part = new RemoteParticipants({ announce, oneToOne: () => oneToOne, newStream: () => new StreamDouble() as unknown as MediaStream });
  return { part, said };
}

const peer = (peerId: string, extra: Partial<PeerView> = {}): PeerView => ({
  peerId,
  displayName: `name of ${peerId}`,
  role: 'asn',
  host: false,
  sending: { audio: true, video: false },
  ...extra,
});

describe('RemoteParticipants', () => {
  it('shows each newcomer once, in the order they came, and announces them', () => {
    const { part, said } = participants();
    part.joined(peer('p1', { userId: 'u1' }));
    part.joined(peer('p2'));
    part.joined(peer('p1', { userId: 'u1' }));
    expect(part.list.map((p) => p.peerId)).toEqual(['p1', 'p2']);
    expect(part.first?.peerId).toBe('p1');
    expect(said).toEqual(['room.otherJoined:name of p1', 'room.otherJoined:name of p2']);
  });

  it('knows the account behind a peer only where it is shown (never under a pseudonym)', () => {
    const { part } = participants();
    part.joined(peer('p1', { userId: 'u1' }));
    part.joined(peer('p2'));
    expect(part.accountOf('p1')).toBe('u1');
    expect(part.accountOf('p2')).toBeUndefined();
  });

  it('in a 1:1, notes that the other person left until they come back', () => {
    const { part, said } = participants({ oneToOne: true });
    part.joined(peer('p1'));
    part.left('p1');
    expect(part.list).toEqual([]);
    expect(part.otherLeft).toBe(true);
    expect(said.at(-1)).toBe('room.otherLeft:name of p1');
    part.joined(peer('p2'));
    expect(part.otherLeft).toBe(false);
  });

  it('in a circle, only shows who is there; an unknown leaver changes nothing', () => {
    const { part, said } = participants();
    part.joined(peer('p1'));
    part.joined(peer('p2'));
    part.left('p1');
    part.left('nobody');
    expect(part.list.map((p) => p.peerId)).toEqual(['p2']);
    expect(part.otherLeft).toBe(false);
    expect(said.filter((s) => s.startsWith('room.otherLeft'))).toHaveLength(1);
  });

  it("follows each person's tracks: video shows while a video track is there", () => {
    const { part } = participants();
    part.joined(peer('p1'));
    part.trackAdded('p1', track('audio'));
    expect(part.first?.hasVideo).toBe(false);
    part.trackAdded('p1', track('video'));
    expect(part.first?.hasVideo).toBe(true);
    part.trackEnded('p1', 'video');
    expect(part.first?.hasVideo).toBe(false);
    expect(part.first?.stream.getAudioTracks()).toHaveLength(1);
  });

  it("follows each person's switches and who speaks", () => {
    const { part } = participants();
    part.joined(peer('p1'));
    part.joined(peer('p2'));
    part.sendingChanged({ peerId: 'p2', sending: { audio: false, video: true } });
    expect(part.list.map((p) => p.sending)).toEqual([
      { audio: true, video: false },
      { audio: false, video: true },
    ]);
    part.speakerChanged({ peerId: 'p2' });
    expect(part.activeSpeaker).toBe('p2');
    part.speakerChanged({ peerId: null });
    expect(part.activeSpeaker).toBeUndefined();
    part.clear();
    expect(part.list).toEqual([]);
  });
});
