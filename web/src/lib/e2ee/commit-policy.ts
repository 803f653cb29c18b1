import type { CommitContents } from './mls/index.js';

/*
 * The room's rules for its MLS group, as every member applies them. The
 * server applies the same (server/src/services/mls-commit-rules.ts); a member
 * checks again because the server, or the member who committed, may not.
 */

export interface GroupSeat {
  readonly participantId: string;
  readonly leafIndex: number;
}

/** What this member knows of the room: who is present (itself included), and which KeyPackages each announced. */
export interface RoomRoster {
  readonly present: ReadonlySet<string>;
  announced(peerId: string, keyPackage: Uint8Array): boolean;
}

export type CommitRefusal =
  /** Not a commit of the kind members make: by-value Adds and Removes in a PublicMessage. */
  | 'unexpected-commit'
  /** Adds someone who is not in the room. */
  | 'adds-absent'
  /** Adds a KeyPackage the server never announced from that peer. */
  | 'adds-unannounced'
  /** Would leave one participant with two leaves (a second device, say). */
  | 'second-leaf'
  /** Removes someone still in the room (who neither left nor was removed by the host). */
  | 'removes-present'
  /** Removes a leaf that is blank. */
  | 'removes-blank';

/**
 * Why this member refuses a commit, or undefined to process it. An Add only
 * for a present peer's announced KeyPackage, at most one leaf per
 * participant; a Remove only of someone no longer in the room, or of a
 * member being added back with a fresh KeyPackage in the same commit.
 */
export function commitRefusal(seats: readonly GroupSeat[], contents: CommitContents | undefined, roster: RoomRoster): CommitRefusal | undefined {
  if (!contents) return 'unexpected-commit';
  const removed = new Set(contents.removes);
  const readded = new Set(contents.adds.map((add) => add.participantId));
  for (const leaf of removed) {
    const seat = seats.find((s) => s.leafIndex === leaf);
    if (!seat) return 'removes-blank';
    if (roster.present.has(seat.participantId) && !readded.has(seat.participantId)) return 'removes-present';
  }
  const holders = seats.filter((seat) => !removed.has(seat.leafIndex)).map((seat) => seat.participantId);
  for (const add of contents.adds) {
    if (add.participantId === undefined || !roster.present.has(add.participantId)) return 'adds-absent';
    if (!roster.announced(add.participantId, add.keyPackage)) return 'adds-unannounced';
    if (holders.includes(add.participantId)) return 'second-leaf';
    holders.push(add.participantId);
  }
  return undefined;
}

/**
 * Who may commit, in order: the present members that hold the group (not those
 * asking to be added back), by leaf. The first is the designated committer;
 * the others follow after their fallback waits.
 */
export function committerOrder(seats: readonly GroupSeat[], present: ReadonlySet<string>, rejoining: ReadonlySet<string>): number[] {
  return seats
    .filter((seat) => present.has(seat.participantId) && !rejoining.has(seat.participantId))
    .map((seat) => seat.leafIndex)
    .sort((a, b) => a - b);
}

/** The members to remove: every leaf whose participant is not in the room (left, removed, or never a person here). */
export function leavers(seats: readonly GroupSeat[], present: ReadonlySet<string>): string[] {
  return [...new Set(seats.filter((seat) => !present.has(seat.participantId)).map((seat) => seat.participantId))];
}
