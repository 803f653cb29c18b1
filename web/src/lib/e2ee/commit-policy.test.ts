import { describe, expect, it } from 'vitest';
import { commitRefusal, committerOrder, leavers, type GroupSeat, type RoomRoster } from './commit-policy.js';

const seats: GroupSeat[] = [
  { participantId: 'facilitator', leafIndex: 0 },
  { participantId: 'm1', leafIndex: 1 },
  { participantId: 'm2', leafIndex: 2 },
];
const kp = (tag: number) => new Uint8Array([tag, 1, 2, 3]);

function roster(present: string[], announced: Record<string, Uint8Array[]> = {}): RoomRoster {
  return {
    present: new Set(present),
    announced: (peerId, keyPackage) => (announced[peerId] ?? []).some((k) => k.every((b, i) => b === keyPackage[i]) && k.length === keyPackage.length),
  };
}

const contents = (removes: number[], adds: Array<{ participantId: string | undefined; keyPackage: Uint8Array }> = [], senderLeafIndex = 1) => ({
  senderLeafIndex,
  removes,
  adds,
});

describe('what a member accepts in a commit', () => {
  const everyone = ['facilitator', 'm1', 'm2'];

  it('refuses a member removing the facilitator, who is still here', () => {
    expect(commitRefusal(seats, contents([0]), roster(everyone))).toBe('removes-present');
  });

  it('accepts removing someone who left, or whom the host removed (no longer present)', () => {
    expect(commitRefusal(seats, contents([2], [], 0), roster(['facilitator', 'm1']))).toBeUndefined();
  });

  it('refuses an Add of someone not in the room (a listener the server slipped in)', () => {
    expect(commitRefusal(seats, contents([], [{ participantId: 'ghost', keyPackage: kp(9) }]), roster(everyone))).toBe('adds-absent');
    expect(commitRefusal(seats, contents([], [{ participantId: undefined, keyPackage: kp(9) }]), roster(everyone))).toBe('adds-absent');
  });

  it('refuses an Add of a KeyPackage the peer never announced', () => {
    const room = roster([...everyone, 'new'], { new: [kp(1)] });
    expect(commitRefusal(seats, contents([], [{ participantId: 'new', keyPackage: kp(2) }]), room)).toBe('adds-unannounced');
    expect(commitRefusal(seats, contents([], [{ participantId: 'new', keyPackage: kp(1) }]), room)).toBeUndefined();
  });

  it('refuses a second leaf for one participant (a second device), unless the first goes in the same commit', () => {
    const room = roster(everyone, { m1: [kp(5)] });
    expect(commitRefusal(seats, contents([], [{ participantId: 'm1', keyPackage: kp(5) }], 0), room)).toBe('second-leaf');
    expect(commitRefusal(seats, contents([1], [{ participantId: 'm1', keyPackage: kp(5) }], 0), room)).toBeUndefined();
  });

  it('accepts one commit adding everyone let in together, and refuses it if one of them is not in the room', () => {
    const room = roster([...everyone, 'a', 'b'], { a: [kp(1)], b: [kp(2)], waiting: [kp(3)] });
    const both = [
      { participantId: 'a', keyPackage: kp(1) },
      { participantId: 'b', keyPackage: kp(2) },
    ];
    expect(commitRefusal(seats, contents([], both, 0), room)).toBeUndefined();
    expect(commitRefusal(seats, contents([], [...both, { participantId: 'waiting', keyPackage: kp(3) }], 0), room)).toBe('adds-absent');
    expect(commitRefusal(seats, contents([], [...both, { participantId: 'a', keyPackage: kp(1) }], 0), room)).toBe('second-leaf');
  });

  it('refuses a blank leaf, and anything that is not a by-value commit', () => {
    expect(commitRefusal(seats, contents([7], [], 0), roster(everyone))).toBe('removes-blank');
    expect(commitRefusal(seats, undefined, roster(everyone))).toBe('unexpected-commit');
  });
});

describe('the committer\'s duties', () => {
  it('removes every leaf whose participant is not here, once per participant', () => {
    const extra: GroupSeat[] = [...seats, { participantId: 'ghost', leafIndex: 3 }, { participantId: 'ghost', leafIndex: 4 }];
    expect(leavers(extra, new Set(['facilitator', 'm1', 'm2']))).toEqual(['ghost']);
  });

  it('orders committers by leaf among those present and holding the group', () => {
    expect(committerOrder(seats, new Set(['m1', 'm2']), new Set())).toEqual([1, 2]);
    expect(committerOrder(seats, new Set(['facilitator', 'm1', 'm2']), new Set(['facilitator']))).toEqual([1, 2]);
  });
});
