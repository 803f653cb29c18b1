import { describe, expect, it } from 'vitest';
import type { Notifier } from '../notifier.js';
import type { LivePeer } from './live-peer.js';
import { ScreenShares } from './screen-shares.js';

const peer = (peerId: string, userId: string, host = false): LivePeer => ({
  peerId,
  connectionId: `c-${peerId}`,
  roomId: 'r1',
  sessionId: 's1',
  user: { id: userId, role: host ? 'counselor' : 'asn' },
  nameInRoom: peerId,
  host,
  anonymous: false,
  sending: { audio: true, video: false },
  mode: 'full',
  admitted: true,
});

function shares(present: LivePeer[]) {
  const told: Array<{ to: string; peerId: string; allowed: boolean }> = [];
  const notifier: Notifier = {
    toConnection: (to, _event, payload) => void told.push({ to, ...(payload as { peerId: string; allowed: boolean }) }),
    toUser: () => undefined,
    // Screen shares never ask a client anything.
    ask: () => Promise.reject(new Error('ScreenShares asked a client')),
  };
  return { told, shares: new ScreenShares({ peersIn: () => present }, notifier) };
}

describe('screen-share permissions', () => {
  it('follow the default until the host decides: both in a 1:1, the facilitator alone in a circle', () => {
    const host = peer('h', 'u-h', true);
    const member = peer('m', 'u-m');
    const { shares: s } = shares([host, member]);
    expect(s.mayShare(host, true)).toBe(true);
    expect(s.mayShare(member, true)).toBe(false);
    expect(s.mayShare(member, false)).toBe(true);
    s.decide(member, true);
    expect(s.mayShare(member, true)).toBe(true);
    s.decide(member, false);
    expect(s.mayShare(member, false)).toBe(false);
  });

  it('tell everyone in the room of a decision', () => {
    const host = peer('h', 'u-h', true);
    const member = peer('m', 'u-m');
    const { shares: s, told } = shares([host, member]);
    s.decide(member, true);
    expect(told).toEqual([
      { to: 'c-h', peerId: 'm', allowed: true },
      { to: 'c-m', peerId: 'm', allowed: true },
    ]);
  });

  it('keep a decision across a dropped connection (under the new peer id), and end it when the person leaves on purpose', () => {
    const host = peer('h', 'u-h', true);
    const before = peer('m1', 'u-m');
    const present = [host, before];
    const { shares: s, told } = shares(present);
    s.decide(before, true);
    s.peerLeft(before, true);
    const after = peer('m2', 'u-m');
    present.splice(1, 1, after);
    told.length = 0;
    s.peerJoined(after);
    // The newcomer hears its own decision; the host hears it under the new peer id.
    expect(told).toEqual([
      { to: 'c-h', peerId: 'm2', allowed: true },
      { to: 'c-m2', peerId: 'm2', allowed: true },
    ]);
    expect(s.mayShare(after, true)).toBe(true);
    s.peerLeft(after, false);
    expect(s.mayShare(after, true)).toBe(false);
  });

  it('forget a room once it empties', () => {
    const member = peer('m', 'u-m');
    const { shares: s } = shares([member]);
    s.decide(member, true);
    s.roomEmptied('r1');
    expect(s.mayShare(member, true)).toBe(false);
  });
});
