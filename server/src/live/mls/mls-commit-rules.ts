import { MLS_FALLBACK_COMMIT_MS, MLS_FALLBACK_STEP_MS } from '@care/shared';
import { AppError } from '../../errors.js';
import type { CommitFacts } from './mls-framing.js';
import type { GroupRecord, LeafHolder } from './mls-group-roster.js';

/*
 * The rules a commit must keep for the delivery service to order it, over
 * what the server knows for sure: who is present in the room, which
 * KeyPackage each peer announced, and who sits at which leaf. Pure, so each
 * rule is tested on its own; the members apply the same rules themselves
 * (web/src/lib/e2ee/commit-policy.ts), so a server that broke them would
 * still be refused.
 */

export interface CommitPlan {
  readonly leaves: ReadonlyArray<LeafHolder | null>;
  /** Peers whose KeyPackages the commit adds: they, and only they, get the Welcome. */
  readonly addedPeerIds: readonly string[];
  /** Someone is still to be added or removed after this commit. */
  readonly workRemains: boolean;
}

type Roster = Pick<GroupRecord, 'leaves' | 'keyPackages' | 'rejoining'>;

function refuse(message: string): AppError {
  return new AppError('invalid_payload', message);
}

/** A present member who lost its group state and asked to be added again. */
function isRejoining(holder: LeafHolder, present: ReadonlySet<string>, rejoining: ReadonlySet<string>): boolean {
  return present.has(holder.peerId) && rejoining.has(holder.peerId);
}

/** Whether an add or remove is due: a leaf whose peer is gone, or a present peer waiting to be (re)added. */
export function workDue(roster: Roster, present: ReadonlySet<string>): boolean {
  const holders = roster.leaves.filter((leaf): leaf is LeafHolder => leaf !== null);
  if (holders.some((holder) => !present.has(holder.peerId) || isRejoining(holder, present, roster.rejoining))) return true;
  const seated = new Set(holders.map((holder) => holder.peerId));
  return [...roster.keyPackages.keys()].some((peerId) => present.has(peerId) && !seated.has(peerId));
}

/** Present members that can commit (they hold the group), by leaf index: the first is the designated committer. */
export function committerOrder(roster: Roster, present: ReadonlySet<string>): number[] {
  const order: number[] = [];
  roster.leaves.forEach((holder, leaf) => {
    if (holder && present.has(holder.peerId) && !isRejoining(holder, present, roster.rejoining)) order.push(leaf);
  });
  return order;
}

/**
 * The member everyone else lost the group to: when a member asks to be added
 * anew and the only present member still holding the group is the one whose
 * commit began this epoch, that commit is what nobody else could follow.
 * Honest or not, it cannot keep the group to itself: the group starts afresh.
 */
export function groupLostTo(record: GroupRecord, present: ReadonlySet<string>, rejoiner: string): string | undefined {
  const holders = committerOrder(record, present);
  const only = holders.length === 1 ? record.leaves[holders[0] ?? -1]?.peerId : undefined;
  return only !== undefined && only === record.committer && only !== rejoiner ? only : undefined;
}

/**
 * The designated committer may always commit; the member at rank r (r ≥ 1)
 * only once an add or remove has been due, in this epoch, for
 * FALLBACK_COMMIT_MS + (r − 1) · FALLBACK_STEP_MS — the clients' own timers,
 * which start no earlier than the server's clock here, so an honest fallback
 * is never refused.
 */
export function mayCommit(record: GroupRecord, present: ReadonlySet<string>, senderLeaf: number, now: number): boolean {
  const rank = committerOrder(record, present).indexOf(senderLeaf);
  if (rank === 0) return true;
  if (rank < 0 || !workDue(record, present)) return false;
  const dueSince = Math.max(record.epochAt, record.dueAt ?? record.epochAt);
  return now >= dueSince + MLS_FALLBACK_COMMIT_MS + (rank - 1) * MLS_FALLBACK_STEP_MS;
}

/**
 * Checks a commit's proposals against the room and gives the leaves after it.
 * A Remove only of a leaf whose peer has left (or is being added again with a
 * fresh KeyPackage in the same commit); an Add only of a present peer's
 * announced KeyPackage, one leaf per peer; the Welcome only for those added.
 */
export function planCommit(
  record: GroupRecord,
  facts: CommitFacts,
  present: ReadonlySet<string>,
  welcomeRefs: readonly string[] | undefined,
): CommitPlan {
  const leaves = [...record.leaves];
  const readdedPeers = new Set(facts.adds.map((add) => add.participantId));
  const removed = new Set<number>();
  for (const leaf of facts.removes) {
    if (removed.has(leaf)) throw refuse('The commit removes a leaf twice.');
    const holder = leaves[leaf];
    if (!holder) throw refuse('The commit removes a blank leaf.');
    if (leaf === facts.senderLeaf) throw refuse('A committer cannot remove itself.');
    if (present.has(holder.peerId) && !readdedPeers.has(holder.peerId)) throw refuse('Only someone who has left the session can be removed.');
    removed.add(leaf);
    leaves[leaf] = null;
  }
  const addedPeerIds: string[] = [];
  for (const add of facts.adds) {
    if (addedPeerIds.includes(add.participantId)) throw refuse('The commit adds one participant twice.');
    if (!present.has(add.participantId)) throw refuse('The commit adds someone who is not in the session.');
    if (!record.keyPackages.get(add.participantId)?.includes(add.ref)) throw refuse('The commit adds a KeyPackage that was not announced.');
    if (leaves.some((holder) => holder?.peerId === add.participantId)) throw refuse('A participant can hold only one leaf.');
    const blank = leaves.indexOf(null);
    const holder: LeafHolder = { peerId: add.participantId };
    if (blank < 0) leaves.push(holder);
    else leaves[blank] = holder;
    addedPeerIds.push(add.participantId);
  }
  const expected = new Set(facts.adds.map((add) => add.ref));
  if (facts.adds.length === 0 && welcomeRefs !== undefined) throw refuse('A Welcome comes only with an Add.');
  if (facts.adds.length > 0) {
    if (welcomeRefs === undefined) throw refuse('An Add needs its Welcome.');
    if (welcomeRefs.length !== expected.size || welcomeRefs.some((ref) => !expected.has(ref))) {
      throw refuse('The Welcome must be for exactly the KeyPackages the commit adds.');
    }
  }
  while (leaves.length > 0 && leaves.at(-1) === null) leaves.pop();
  const rejoining = new Set([...record.rejoining].filter((peerId) => !addedPeerIds.includes(peerId)));
  return { leaves, addedPeerIds, workRemains: workDue({ leaves, keyPackages: record.keyPackages, rejoining }, present) };
}
