import { describe, expect, it } from 'vitest';
import { forwardedMedia, forwardedSources, peerView, roomShape, type LivePeer } from './live-peer.js';

const peer = (overrides: Partial<LivePeer> = {}): LivePeer => ({
  peerId: 'p1',
  connectionId: 'c1',
  roomId: 'r1',
  sessionId: 's1',
  user: { id: 'u1', role: 'asn' },
  nameInRoom: 'Melati',
  host: false,
  anonymous: false,
  sending: { audio: true, video: true },
  mode: 'full',
  admitted: true,
  ...overrides,
});

describe('a live peer', () => {
  it('is shown with its account id, unless it sits under a pseudonym', () => {
    expect(peerView(peer()).userId).toBe('u1');
    expect(peerView(peer({ anonymous: true }))).not.toHaveProperty('userId');
  });

  it('has forwarded only what its mode allows and its switches have on', () => {
    expect(forwardedMedia(peer())).toEqual({ audio: true, video: true });
    expect(forwardedMedia(peer({ mode: 'speaker-only' }))).toEqual({ audio: true, video: true });
    expect(forwardedMedia(peer({ mode: 'audio-only' }))).toEqual({ audio: true, video: false });
    expect(forwardedMedia(peer({ mode: 'chat-only' }))).toEqual({ audio: false, video: false });
    expect(forwardedMedia(peer({ sending: { audio: false, video: true } }))).toEqual({ audio: false, video: true });
  });

  it('has its screen share forwarded by its mode alone, whatever its camera switch', () => {
    expect(forwardedSources(peer({ sending: { audio: true, video: false } }))).toEqual({ microphone: true, camera: false, screen: true });
    expect(forwardedSources(peer({ mode: 'speaker-only', sending: { audio: false, video: false } }))).toEqual({ microphone: false, camera: false, screen: true });
    expect(forwardedSources(peer({ mode: 'audio-only' }))).toEqual({ microphone: true, camera: false, screen: false });
    expect(forwardedSources(peer({ mode: 'chat-only' }))).toEqual({ microphone: false, camera: false, screen: false });
  });

  it('sits in a pair room for a 1:1 (no audio levels) and a group room for a circle', () => {
    expect(roomShape('one-to-one')).toBe('pair');
    expect(roomShape('circle')).toBe('group');
  });
});
