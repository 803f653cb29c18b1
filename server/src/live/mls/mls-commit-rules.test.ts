import { MLS_FALLBACK_COMMIT_MS, MLS_FALLBACK_STEP_MS } from '@care/shared';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.js';
import { committerOrder, groupLostTo, mayCommit, planCommit, workDue } from './mls-commit-rules.js';
import type { CommitFacts } from './mls-framing.js';
import type { GroupRecord, LeafHolder } from './mls-group-roster.js';

const seat = (peerId: string): LeafHolder => ({ peerId });

function group(partial: Partial<GroupRecord> = {}): GroupRecord {
  return {
    generation: 'g1',
    epoch: 3,
    leaves: [seat('host'), seat('m1'), seat('m2')],
    epochAt: 1_000,
    dueAt: null,
    committer: 'host',
    keyPackages: new Map([
      ['m1', ['kp-m1']],
      ['m2', ['kp-m2']],
    ]),
    rejoining: new Set(),
    ...partial,
  };
}

const commit = (partial: Partial<CommitFacts> = {}): CommitFacts => ({ epoch: 3, senderLeaf: 0, removes: [], adds: [], ...partial });

function refusal(run: () => unknown): string | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error.message;
    throw error;
  }
  return undefined;
}

describe('the commit rules the delivery service keeps', () => {
  const everyone = new Set(['host', 'm1', 'm2']);

  it('takes one commit adding everyone the host let in together, with one Welcome for exactly them (admit all)', () => {
    const record = group({ leaves: [seat('host')], keyPackages: new Map(['a', 'b', 'c'].map((id) => [id, [`kp-${id}`]])) });
    const adds = ['a', 'b', 'c'].map((id) => ({ participantId: id, ref: `kp-${id}` }));
    const present = new Set(['host', 'a', 'b', 'c']);
    const plan = planCommit(record, commit({ adds }), present, ['kp-c', 'kp-a', 'kp-b']);
    expect(plan.addedPeerIds).toEqual(['a', 'b', 'c']);
    expect(plan.leaves.map((l) => l?.peerId)).toEqual(['host', 'a', 'b', 'c']);
    expect(plan.workRemains).toBe(false);
    // The Welcome must be for all of them and nobody else.
    expect(refusal(() => planCommit(record, commit({ adds }), present, ['kp-a', 'kp-b']))).toMatch(/exactly the KeyPackages/);
    expect(refusal(() => planCommit(record, commit({ adds }), present, ['kp-a', 'kp-b', 'kp-c', 'kp-x']))).toMatch(/exactly the KeyPackages/);
  });

  it('refuses a multi-add that slips in someone still waiting in the lobby (not present, KeyPackage held, not announced)', () => {
    const record = group({ leaves: [seat('host')], keyPackages: new Map([['a', ['kp-a']], ['b', ['kp-b']]]) });
    const present = new Set(['host', 'a', 'b']);
    const withWaiting = [
      { participantId: 'a', ref: 'kp-a' },
      { participantId: 'b', ref: 'kp-b' },
      { participantId: 'waiting', ref: 'kp-waiting' },
    ];
    expect(refusal(() => planCommit(record, commit({ adds: withWaiting }), present, ['kp-a', 'kp-b', 'kp-waiting']))).toMatch(/not in the session/);
    // Present but never announced (its KeyPackage still held) is refused too.
    expect(refusal(() => planCommit(record, commit({ adds: withWaiting }), new Set([...present, 'waiting']), ['kp-a', 'kp-b', 'kp-waiting']))).toMatch(
      /not announced/,
    );
  });

  it('refuses the removal of someone still in the room (a member removing the facilitator)', () => {
    expect(refusal(() => planCommit(group(), commit({ senderLeaf: 1, removes: [0] }), everyone, undefined))).toMatch(/left the session/);
  });

  it('removes a leaver: their leaf goes blank, trailing blanks are dropped', () => {
    const plan = planCommit(group(), commit({ removes: [2] }), new Set(['host', 'm1']), undefined);
    expect(plan.leaves).toEqual([seat('host'), seat('m1')]);
    expect(plan.workRemains).toBe(false);
  });

  it('fills the leftmost blank leaf first, then extends, as RFC 9420 assigns', () => {
    const record = group({
      leaves: [seat('host'), null, seat('m2')],
      keyPackages: new Map([
        ['m2', ['kp-m2']],
        ['a', ['kp-a']],
        ['b', ['kp-b']],
      ]),
    });
    const adds = [
      { participantId: 'a', ref: 'kp-a' },
      { participantId: 'b', ref: 'kp-b' },
    ];
    const plan = planCommit(record, commit({ adds }), new Set(['host', 'm2', 'a', 'b']), ['kp-a', 'kp-b']);
    expect(plan.leaves.map((l) => l?.peerId)).toEqual(['host', 'a', 'm2', 'b']);
    expect(plan.addedPeerIds).toEqual(['a', 'b']);
  });

  it('adds only a present peer, with a KeyPackage it announced, once, and not a second leaf', () => {
    const record = group({ keyPackages: new Map([['new', ['kp-new', 'kp-newer']], ['m1', ['kp-m1', 'kp-device2']]]) });
    const present = new Set(['host', 'm1', 'm2', 'new']);
    expect(refusal(() => planCommit(record, commit({ adds: [{ participantId: 'ghost', ref: 'kp-ghost' }] }), present, ['kp-ghost']))).toMatch(
      /not in the session/,
    );
    expect(refusal(() => planCommit(record, commit({ adds: [{ participantId: 'new', ref: 'kp-forged' }] }), present, ['kp-forged']))).toMatch(
      /not announced/,
    );
    // An earlier KeyPackage of a joiner who retried is still theirs.
    expect(planCommit(record, commit({ adds: [{ participantId: 'new', ref: 'kp-new' }] }), present, ['kp-new']).addedPeerIds).toEqual(['new']);
    expect(refusal(() => planCommit(record, commit({ adds: [{ participantId: 'm1', ref: 'kp-device2' }] }), present, ['kp-device2']))).toMatch(
      /only one leaf/,
    );
    const twice = [
      { participantId: 'new', ref: 'kp-new' },
      { participantId: 'new', ref: 'kp-newer' },
    ];
    expect(refusal(() => planCommit(record, commit({ adds: twice }), present, ['kp-new', 'kp-newer']))).toMatch(/twice/);
  });

  it('lets a rejoining member be removed and added back in one commit', () => {
    const record = group({ keyPackages: new Map([['m1', ['kp-m1', 'kp-m1-again']]]), rejoining: new Set(['m1']) });
    expect(workDue(record, everyone)).toBe(true);
    const plan = planCommit(record, commit({ removes: [1], adds: [{ participantId: 'm1', ref: 'kp-m1-again' }] }), everyone, ['kp-m1-again']);
    expect(plan.leaves[1]).toEqual(seat('m1'));
    expect(plan.workRemains).toBe(false);
  });

  it('sends the Welcome only with an Add, and only for the KeyPackages added', () => {
    const record = group({ keyPackages: new Map([['new', ['kp-new']]]) });
    const present = new Set(['host', 'm1', 'm2', 'new']);
    const adds = [{ participantId: 'new', ref: 'kp-new' }];
    expect(refusal(() => planCommit(record, commit({ adds }), present, undefined))).toMatch(/needs its Welcome/);
    expect(refusal(() => planCommit(record, commit({ adds }), present, ['kp-new', 'kp-other']))).toMatch(/exactly/);
    expect(refusal(() => planCommit(record, commit({ removes: [2] }), new Set(['host', 'm1']), ['kp-x']))).toMatch(/only with an Add/);
  });

  it('refuses a committer removing itself, a blank leaf, or one leaf twice', () => {
    const gone = new Set(['m1']);
    expect(refusal(() => planCommit(group(), commit({ removes: [0] }), gone, undefined))).toMatch(/itself/);
    expect(refusal(() => planCommit(group(), commit({ removes: [7] }), gone, undefined))).toMatch(/blank/);
    expect(refusal(() => planCommit(group(), commit({ removes: [2, 2] }), gone, undefined))).toMatch(/twice/);
  });
});

describe('who may commit', () => {
  const now = 1_000;

  it('is the lowest present leaf; leavers and rejoiners are skipped', () => {
    expect(committerOrder(group(), new Set(['host', 'm1', 'm2']))).toEqual([0, 1, 2]);
    expect(committerOrder(group(), new Set(['m1', 'm2']))).toEqual([1, 2]);
    expect(committerOrder(group({ rejoining: new Set(['host']) }), new Set(['host', 'm1', 'm2']))).toEqual([1, 2]);
  });

  it('the designated committer always; the next only after the fallback wait for due work, each rank later', () => {
    const record = group({ dueAt: now, keyPackages: new Map([['new', ['kp-new']]]) });
    const present = new Set(['host', 'm1', 'm2', 'new']);
    expect(mayCommit(record, present, 0, now)).toBe(true);
    expect(mayCommit(record, present, 1, now + MLS_FALLBACK_COMMIT_MS - 1)).toBe(false);
    expect(mayCommit(record, present, 1, now + MLS_FALLBACK_COMMIT_MS)).toBe(true);
    expect(mayCommit(record, present, 2, now + MLS_FALLBACK_COMMIT_MS)).toBe(false);
    expect(mayCommit(record, present, 2, now + MLS_FALLBACK_COMMIT_MS + MLS_FALLBACK_STEP_MS)).toBe(true);
  });

  it('nobody but the committer when nothing is due, however long it has been', () => {
    expect(mayCommit(group(), new Set(['host', 'm1', 'm2']), 1, now + 60_000)).toBe(false);
  });

  it('counts the wait from the later of the epoch start and the work appearing', () => {
    const record = group({ epochAt: now + 3_000, dueAt: now, keyPackages: new Map([['new', ['kp-new']]]) });
    const present = new Set(['host', 'm1', 'm2', 'new']);
    expect(mayCommit(record, present, 1, now + MLS_FALLBACK_COMMIT_MS)).toBe(false);
    expect(mayCommit(record, present, 1, now + 3_000 + MLS_FALLBACK_COMMIT_MS)).toBe(true);
  });

  it('survives the committer reconnecting: its old leaf is a leaver, the next present member commits at once', () => {
    const present = new Set(['m1', 'm2', 'host-again']);
    const record = group({ keyPackages: new Map([['host-again', ['kp-h2']]]) });
    expect(workDue(record, present)).toBe(true);
    expect(mayCommit(record, present, 1, now)).toBe(true);
  });
});

describe('a group lost to one committer', () => {
  it('is when everyone else asked to be added anew after its commit', () => {
    const present = new Set(['host', 'm1', 'm2']);
    expect(groupLostTo(group({ rejoining: new Set(['m1', 'm2']) }), present, 'm2')).toBe('host');
  });

  it('is not while another member still holds the group, nor when the holder did not make the last commit', () => {
    const present = new Set(['host', 'm1', 'm2']);
    expect(groupLostTo(group({ rejoining: new Set(['m2']) }), present, 'm2')).toBeUndefined();
    expect(groupLostTo(group({ rejoining: new Set(['m1', 'm2']), committer: 'm1' }), present, 'm2')).toBeUndefined();
    expect(groupLostTo(group({ rejoining: new Set(['m1', 'm2']), committer: null }), present, 'm2')).toBeUndefined();
  });
});
