import {
  createApplicationMessage,
  createCommit,
  createGroup,
  decryptSenderData,
  defaultCapabilities,
  emptyPskIndex,
  generateKeyPackageWithKey,
  joinGroup,
  makeKeyPackageRef,
  mlsExporter,
  processPrivateMessage,
  processPublicMessage,
  zeroOutUint8Array,
  type CiphersuiteImpl,
  type ClientState,
  type IncomingMessageCallback,
  type KeyPackage,
  type Lifetime,
  type PrivateKeyPackage,
  type Proposal,
  type RatchetTree,
} from './ts-mls.js';
import { MlsDecryptError, MlsEpochError, MlsGroupError } from './errors.js';
import { credentialOf, keysOf, type MlsIdentity } from './identity.js';
import { safetyCodeFromEpochAuthenticator } from './safety-code.js';
import { cipherSuite, clientConfig, participantIdFromCredential } from './suite.js';
import { decodeMessage, encodeMessage } from './wire.js';

export interface MlsMemberOptions {
  /**
   * How long a KeyPackage from `createKeyPackage()` stays valid, in seconds.
   * Committers refuse expired ones. Default: one day.
   */
  readonly keyPackageLifetimeSeconds?: number;
}

export interface MlsMemberInfo {
  readonly participantId: string;
  readonly leafIndex: number;
  /** The key this member signs with: the same in every visit for a device key, new each visit for a pseudonym's. */
  readonly signaturePublicKey: Uint8Array;
}

export interface AddMembersResult {
  /** For the delivery service, which orders it against other commits of the same epoch. */
  readonly commit: Uint8Array;
  /** For the new members only, and only once the server has accepted `commit`. Carries the ratchet tree. */
  readonly welcome: Uint8Array;
}

export interface RemoveMembersResult {
  readonly commit: Uint8Array;
}

export interface ProcessCommitResult {
  /** The member's epoch after the commit (unchanged if the commit removed this member). */
  readonly epoch: bigint;
  readonly committerLeafIndex: number;
  readonly added: readonly MlsMemberInfo[];
  readonly removed: readonly MlsMemberInfo[];
  /** This member was removed: it keeps no keys for the new epoch and can do nothing more in the group. */
  readonly removedSelf: boolean;
  /** The bytes were this member's own pending commit, echoed back by the server: it is now applied. */
  readonly ownCommit: boolean;
  /**
   * A commit of ours for the same epoch was pending and lost the race: it is
   * dropped, with its Welcome. Build it again on the new epoch if still wanted.
   */
  readonly discardedPendingCommit: boolean;
}

export interface DecryptedApplicationMessage {
  readonly senderLeafIndex: number;
  readonly senderParticipantId: string;
  readonly epoch: bigint;
  readonly plaintext: Uint8Array;
}

export type MlsMemberStatus = 'no-group' | 'active' | 'removed';

interface StoredKeyPackage {
  readonly publicPackage: KeyPackage;
  readonly privatePackage: PrivateKeyPackage;
}

interface PendingCommit {
  readonly bytes: Uint8Array;
  readonly baseEpoch: bigint;
  readonly newState: ClientState;
  readonly consumed: Uint8Array[];
}

const SFRAME_BASE_KEY_LABEL = 'SFrame 1.0 Base Key';
const SFRAME_BASE_KEY_BYTES = 16;
const DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS = 24 * 60 * 60;
// Tolerates a joiner whose clock is behind the committer's.
const KEY_PACKAGE_BACKDATE_SECONDS = 60 * 60;
// HKDF-Expand with SHA-256 yields at most 255 * 32 bytes.
const MAX_EXPORT_BYTES = 255 * 32;
// Adds and removes are all a room needs. A commit with no proposals (a key
// refresh) is fine too; PSKs, ReInit, external joins and extension changes are
// refused rather than half-supported.
const ALLOWED_PROPOSALS: ReadonlySet<Proposal['proposalType']> = new Set(['add', 'remove']);

const utf8 = new TextEncoder();

/**
 * One participant's state in one room's MLS group (RFC 9420), on the client.
 *
 * The server is only the delivery service: it orders commits, forwards
 * KeyPackages and Welcomes, and never sees a private key. Hence the pending
 * commit: `addMembers` and `removeMembers` build a commit but do not apply it;
 * the caller sends it, then calls `confirmPendingCommit()` when the server
 * accepts it, or `discardPendingCommit()` when it refuses it. If another
 * member's commit for the same epoch reaches `processCommit` first, that one
 * won: ours is dropped and theirs applied.
 *
 * Calls that change the state run one at a time, in call order, so a chat
 * message being encrypted can never interleave with a commit being applied.
 */
export class MlsMember {
  readonly #identity: MlsIdentity;
  readonly #suite: CiphersuiteImpl;
  readonly #keyPackageLifetimeSeconds: number;
  readonly #keyPackages = new Map<string, StoredKeyPackage>();
  #state: ClientState | undefined;
  #pending: PendingCommit | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(identity: MlsIdentity, suite: CiphersuiteImpl, options: MlsMemberOptions) {
    this.#identity = identity;
    this.#suite = suite;
    this.#keyPackageLifetimeSeconds = options.keyPackageLifetimeSeconds ?? DEFAULT_KEY_PACKAGE_LIFETIME_SECONDS;
  }

  static async create(identity: MlsIdentity, options: MlsMemberOptions = {}): Promise<MlsMember> {
    keysOf(identity);
    return new MlsMember(identity, await cipherSuite(), options);
  }

  get participantId(): string {
    return this.#identity.participantId;
  }

  get status(): MlsMemberStatus {
    if (this.#state === undefined) return 'no-group';
    return this.#state.groupActiveState.kind === 'removedFromGroup' ? 'removed' : 'active';
  }

  get groupId(): Uint8Array {
    return this.#requireState().groupContext.groupId.slice();
  }

  get epoch(): bigint {
    return this.#requireState().groupContext.epoch;
  }

  get ownLeafIndex(): number {
    return this.#requireState().privatePath.leafIndex;
  }

  get hasPendingCommit(): boolean {
    return this.#pending !== undefined;
  }

  /** The current members, by leaf index. Includes this member. */
  members(): MlsMemberInfo[] {
    return membersOf(this.#requireState().ratchetTree);
  }

  /**
   * A fresh KeyPackage, as an MLSMessage to publish. Its private keys stay in
   * this object until a Welcome uses it (or the object is dropped), so publish
   * it from the same member that will join.
   */
  createKeyPackage(): Promise<Uint8Array> {
    return this.#exclusive(async () => {
      if (this.#state !== undefined) throw new MlsGroupError('invalid-state', 'already in a group');
      const keyPackage = await this.#generateKeyPackage();
      const ref = await makeKeyPackageRef(keyPackage.publicPackage, this.#suite.hash);
      this.#keyPackages.set(toHex(ref), keyPackage);
      return encodeMessage({ version: 'mls10', wireformat: 'mls_key_package', keyPackage: keyPackage.publicPackage });
    });
  }

  /** Starts the room's group at epoch 0 with this member alone at leaf 0. A string id is taken as UTF-8. */
  createGroup(groupId: Uint8Array | string): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#state !== undefined) throw new MlsGroupError('invalid-state', 'already in a group');
      const id = toGroupId(groupId);
      const own = await this.#generateKeyPackage();
      this.#state = await createGroup(id, own.publicPackage, own.privatePackage, [], this.#suite, clientConfig);
      // Nobody will send a Welcome to this KeyPackage: its init key has no use.
      zeroOutUint8Array(own.privatePackage.initPrivateKey);
    });
  }

  /**
   * Builds a commit adding the owners of these KeyPackages (as published, MLSMessage
   * bytes), and the Welcome for them. The commit stays pending until confirmed.
   */
  async addMembers(keyPackages: readonly Uint8Array[]): Promise<AddMembersResult> {
    if (keyPackages.length === 0) throw new MlsGroupError('invalid-argument', 'no KeyPackages to add');
    const { commit, welcome } = await this.changeMembers({ add: keyPackages });
    if (welcome === undefined) throw new MlsGroupError('invalid-state', 'commit produced no Welcome');
    return { commit, welcome };
  }

  /** Builds a commit removing every leaf of these participants. The commit stays pending until confirmed. */
  async removeMembers(participantIds: readonly string[]): Promise<RemoveMembersResult> {
    if (participantIds.length === 0) throw new MlsGroupError('invalid-argument', 'no participants to remove');
    const { commit } = await this.changeMembers({ remove: participantIds });
    return { commit };
  }

  /**
   * One commit that removes every leaf of some participants, then adds the
   * owners of some KeyPackages (a member who lost its state is removed and
   * added back in one step). A Welcome comes with it when it adds anyone.
   * The commit stays pending until confirmed.
   */
  changeMembers(change: { remove?: readonly string[]; add?: readonly Uint8Array[] }): Promise<{ commit: Uint8Array; welcome: Uint8Array | undefined }> {
    return this.#exclusive(async () => {
      const state = this.#requireCanCommit();
      const ownLeaf = state.privatePath.leafIndex;
      const members = membersOf(state.ratchetTree);
      const leaves = new Set<number>();
      for (const participantId of new Set(change.remove ?? [])) {
        const theirs = members.filter((member) => member.participantId === participantId);
        if (theirs.length === 0) throw new MlsGroupError('unknown-participant', 'participant is not in the group');
        // MLS forbids a committer removing itself; leaving means asking someone else to.
        if (theirs.some((member) => member.leafIndex === ownLeaf)) {
          throw new MlsGroupError('invalid-argument', 'a member cannot remove itself');
        }
        for (const member of theirs) leaves.add(member.leafIndex);
      }
      const proposals: Proposal[] = [
        ...[...leaves].map((leafIndex): Proposal => ({ proposalType: 'remove', remove: { removed: leafIndex } })),
        ...(change.add ?? []).map((bytes): Proposal => ({ proposalType: 'add', add: { keyPackage: this.#decodeKeyPackage(bytes) } })),
      ];
      if (proposals.length === 0) throw new MlsGroupError('invalid-argument', 'nothing to change');
      return this.#commit(proposals, (change.add ?? []).length > 0 ? 'invalid-key-package' : 'invalid-state');
    });
  }

  /** The server accepted our pending commit: move to its epoch. */
  confirmPendingCommit(): Promise<void> {
    return this.#exclusive(() => {
      this.#applyPending();
      return Promise.resolve();
    });
  }

  /** The server refused our pending commit: forget it (and its Welcome), stay in the current epoch. */
  discardPendingCommit(): Promise<void> {
    return this.#exclusive(() => {
      if (this.#pending === undefined) throw new MlsGroupError('invalid-state', 'no pending commit');
      this.#dropPending();
      return Promise.resolve();
    });
  }

  /**
   * Joins from a Welcome addressed to one of this member's KeyPackages. The
   * ratchet tree travels inside the Welcome (ratchet_tree extension of the
   * encrypted GroupInfo), so the Welcome bytes are all a joiner needs.
   * `expectedGroupId`, when given, must match the group the Welcome is for.
   */
  joinFromWelcome(welcome: Uint8Array, options: { expectedGroupId?: Uint8Array | string } = {}): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#state !== undefined) throw new MlsGroupError('invalid-state', 'already in a group');
      const message = decodeMessage(welcome);
      if (message.wireformat !== 'mls_welcome') throw new MlsGroupError('unexpected-message-type', 'not a Welcome');
      if (message.welcome.cipherSuite !== this.#suite.name) {
        throw new MlsGroupError('welcome-rejected', 'Welcome uses another cipher suite');
      }
      let stored: StoredKeyPackage | undefined;
      for (const secrets of message.welcome.secrets) {
        stored = this.#keyPackages.get(toHex(secrets.newMember));
        if (stored !== undefined) break;
      }
      if (stored === undefined) throw new MlsGroupError('welcome-rejected', 'Welcome is not for any KeyPackage of this member');
      let state: ClientState;
      try {
        state = await joinGroup(
          message.welcome,
          stored.publicPackage,
          stored.privatePackage,
          emptyPskIndex,
          this.#suite,
          undefined,
          undefined,
          clientConfig,
        );
      } catch (error) {
        throw new MlsGroupError('welcome-rejected', 'Welcome did not validate', { cause: error });
      }
      if (options.expectedGroupId !== undefined && !bytesEqual(state.groupContext.groupId, toGroupId(options.expectedGroupId))) {
        throw new MlsGroupError('wrong-group', 'Welcome is for another group');
      }
      this.#state = state;
      // KeyPackages are single use, and a member object belongs to one group.
      for (const keyPackage of this.#keyPackages.values()) {
        zeroOutUint8Array(keyPackage.privatePackage.initPrivateKey);
        // The used package's HPKE key is now this member's leaf key.
        if (keyPackage !== stored) zeroOutUint8Array(keyPackage.privatePackage.hpkePrivateKey);
      }
      this.#keyPackages.clear();
    });
  }

  /**
   * Applies a commit the delivery service delivered for the current epoch.
   * Our own pending commit echoed back counts as its confirmation; a different
   * commit for the same epoch supersedes our pending one.
   */
  processCommit(commitBytes: Uint8Array): Promise<ProcessCommitResult> {
    return this.#exclusive(async () => {
      const state = this.#requireActive();
      const before = membersOf(state.ratchetTree);

      if (this.#pending !== undefined && bytesEqual(this.#pending.bytes, commitBytes)) {
        const committerLeafIndex = state.privatePath.leafIndex;
        this.#applyPending();
        return this.#commitOutcome(before, committerLeafIndex, { ownCommit: true, discardedPendingCommit: false });
      }

      const message = decodeMessage(commitBytes);
      // This layer commits as PublicMessage only (see #commit); a PrivateMessage
      // here is chat sent to the wrong call, or a client we do not know.
      if (message.wireformat !== 'mls_public_message') throw new MlsGroupError('unexpected-message-type', 'not a commit');
      const { publicMessage } = message;
      const { content } = publicMessage;
      if (!bytesEqual(content.groupId, state.groupContext.groupId)) throw new MlsGroupError('wrong-group', 'commit for another group');
      if (content.contentType !== 'commit') throw new MlsGroupError('unexpected-message-type', 'not a commit');
      checkEpoch(content.epoch, state.groupContext.epoch);
      if (content.sender.senderType !== 'member') throw new MlsGroupError('commit-rejected', 'commit not sent by a member');
      const committerLeafIndex = content.sender.leafIndex;

      const policy: IncomingMessageCallback = (incoming) =>
        incoming.kind === 'commit' && incoming.proposals.every(({ proposal }) => ALLOWED_PROPOSALS.has(proposal.proposalType))
          ? 'accept'
          : 'reject';
      let result;
      try {
        // Verifies the signature, the membership tag and the confirmation tag.
        result = await processPublicMessage(state, publicMessage, emptyPskIndex, this.#suite, policy);
      } catch (error) {
        throw new MlsGroupError('commit-rejected', 'commit did not validate', { cause: error });
      }
      if (result.actionTaken === 'reject') {
        throw new MlsGroupError('commit-rejected', 'commit carries a proposal type this layer does not allow');
      }

      // It won the epoch: whatever we had pending for that epoch can never apply.
      const discardedPendingCommit = this.#pending !== undefined;
      if (discardedPendingCommit) this.#dropPending();
      this.#state = result.newState;
      result.consumed.forEach(zeroOutUint8Array);
      return this.#commitOutcome(before, committerLeafIndex, { ownCommit: false, discardedPendingCommit });
    });
  }

  /** Encrypts a chat message as an MLS PrivateMessage for the current epoch. */
  encryptApplication(plaintext: Uint8Array): Promise<Uint8Array> {
    return this.#exclusive(async () => {
      const state = this.#requireActive();
      const { newState, privateMessage, consumed } = await createApplicationMessage(state, plaintext, this.#suite);
      this.#state = newState;
      consumed.forEach(zeroOutUint8Array);
      return encodeMessage({ version: 'mls10', wireformat: 'mls_private_message', privateMessage });
    });
  }

  /**
   * Decrypts a chat message from another member. Messages from the few
   * previous epochs ts-mls retains keys for still decrypt; a message from a
   * later epoch fails with `future-epoch` and can be retried after the commit.
   */
  decryptApplication(bytes: Uint8Array): Promise<DecryptedApplicationMessage> {
    return this.#exclusive(async () => {
      const state = this.#requireActive();
      const message = decodeMessage(bytes);
      // MLS forbids application data in a PublicMessage.
      if (message.wireformat !== 'mls_private_message') throw new MlsGroupError('unexpected-message-type', 'not a PrivateMessage');
      const { privateMessage } = message;
      if (!bytesEqual(privateMessage.groupId, state.groupContext.groupId)) {
        throw new MlsGroupError('wrong-group', 'message for another group');
      }
      if (privateMessage.contentType !== 'application') throw new MlsGroupError('unexpected-message-type', 'not an application message');

      const currentEpoch = state.groupContext.epoch;
      if (privateMessage.epoch > currentEpoch) throw new MlsEpochError('future-epoch', privateMessage.epoch, currentEpoch);
      const receiver =
        privateMessage.epoch === currentEpoch
          ? { senderDataSecret: state.keySchedule.senderDataSecret, ratchetTree: state.ratchetTree }
          : state.historicalReceiverData.get(privateMessage.epoch);
      if (receiver === undefined) throw new MlsEpochError('stale-epoch', privateMessage.epoch, currentEpoch);

      try {
        // ts-mls returns the plaintext without its sender; the sender data it
        // decrypts (and authenticates through the content signature) names it.
        const senderData = await decryptSenderData(privateMessage, receiver.senderDataSecret, this.#suite);
        if (senderData === undefined) throw new MlsDecryptError('sender data did not decode');
        // Receiving our own message would walk our sending ratchet. (A leaf index never changes.)
        if (senderData.leafIndex === state.privatePath.leafIndex) {
          throw new MlsGroupError('unexpected-message-type', 'own application message');
        }
        const result = await processPrivateMessage(state, privateMessage, emptyPskIndex, this.#suite);
        if (result.kind !== 'applicationMessage') throw new MlsGroupError('unexpected-message-type', 'not an application message');
        const sender = membersOf(receiver.ratchetTree).find((member) => member.leafIndex === senderData.leafIndex);
        if (sender === undefined) throw new MlsDecryptError('sender is not a member');
        this.#state = result.newState;
        result.consumed.forEach(zeroOutUint8Array);
        return {
          senderLeafIndex: sender.leafIndex,
          senderParticipantId: sender.participantId,
          epoch: privateMessage.epoch,
          plaintext: result.message,
        };
      } catch (error) {
        if (error instanceof MlsGroupError) throw error;
        throw new MlsDecryptError('application message did not authenticate', { cause: error });
      }
    });
  }

  /**
   * MLS-Exporter(label, context, length) of the current epoch (RFC 9420 §8.5).
   * Reads the epoch at the time of the call: `member.epoch`, read just before,
   * is the epoch the secret belongs to.
   */
  async exportSecret(label: string, context: Uint8Array, length: number): Promise<Uint8Array> {
    const state = this.#requireActive();
    if (!Number.isInteger(length) || length < 1 || length > MAX_EXPORT_BYTES) {
      throw new MlsGroupError('invalid-argument', `export length must be 1 to ${MAX_EXPORT_BYTES} bytes`);
    }
    return mlsExporter(state.keySchedule.exporterSecret, label, context, length, this.#suite);
  }

  /** The SFrame base key of the current epoch: MLS-Exporter("SFrame 1.0 Base Key", "", 16) (RFC 9605 §5.2). */
  sframeBaseKey(): Promise<Uint8Array> {
    return this.exportSecret(SFRAME_BASE_KEY_LABEL, new Uint8Array(0), SFRAME_BASE_KEY_BYTES);
  }

  /** The safety code of the current epoch; see safety-code.ts for its construction. */
  async safetyCode(): Promise<string> {
    return safetyCodeFromEpochAuthenticator(this.#requireActive().keySchedule.epochAuthenticator);
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(operation, operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #requireState(): ClientState {
    if (this.#state === undefined) throw new MlsGroupError('invalid-state', 'not in a group');
    return this.#state;
  }

  #requireActive(): ClientState {
    const state = this.#requireState();
    if (state.groupActiveState.kind === 'removedFromGroup') {
      throw new MlsGroupError('removed-from-group', 'this member was removed from the group');
    }
    return state;
  }

  #requireCanCommit(): ClientState {
    const state = this.#requireActive();
    if (this.#pending !== undefined) throw new MlsGroupError('invalid-state', 'a commit is already pending');
    return state;
  }

  #decodeKeyPackage(bytes: Uint8Array): KeyPackage {
    let message;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      throw new MlsGroupError('invalid-key-package', 'not a KeyPackage', { cause: error });
    }
    if (message.wireformat !== 'mls_key_package') throw new MlsGroupError('invalid-key-package', 'not a KeyPackage');
    const { keyPackage } = message;
    if (keyPackage.cipherSuite !== this.#suite.name) throw new MlsGroupError('invalid-key-package', 'KeyPackage uses another cipher suite');
    if (participantIdFromCredential(keyPackage.leafNode.credential) === undefined) {
      throw new MlsGroupError('invalid-key-package', 'KeyPackage credential carries no participant id');
    }
    return keyPackage;
  }

  async #commit(
    proposals: Proposal[],
    failureCode: 'invalid-key-package' | 'invalid-state',
  ): Promise<{ commit: Uint8Array; welcome: Uint8Array | undefined }> {
    const state = this.#requireCanCommit();
    let result;
    try {
      result = await createCommit(
        { state, cipherSuite: this.#suite },
        {
          extraProposals: proposals,
          // The joiner gets the tree inside the Welcome, so nothing else has to be fetched.
          ratchetTreeExtension: true,
          // A PublicMessage commit spends no key from the epoch's secret tree. A
          // PrivateMessage commit would, and ts-mls does not hand back the
          // advanced tree: after a discard, retrying in the same epoch would
          // reuse that key and nonce. The server learns nothing it does not
          // already know from relaying KeyPackages and running the room, and it
          // can check the epoch and sender it orders by.
          wireAsPublicMessage: true,
        },
      );
    } catch (error) {
      throw new MlsGroupError(failureCode, 'could not build the commit', { cause: error });
    }
    const commit = encodeMessage(result.commit);
    this.#pending = {
      bytes: commit,
      baseEpoch: state.groupContext.epoch,
      newState: result.newState,
      consumed: result.consumed,
    };
    const welcome =
      result.welcome === undefined ? undefined : encodeMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome });
    return { commit, welcome };
  }

  #applyPending(): void {
    const pending = this.#pending;
    const current = this.#requireState();
    if (pending === undefined) throw new MlsGroupError('invalid-state', 'no pending commit');
    if (pending.baseEpoch !== current.groupContext.epoch) throw new MlsGroupError('invalid-state', 'pending commit is for another epoch');
    // The new state keeps the receiving keys of past epochs as they were when
    // the commit was built. Chat messages decrypted since then have moved those
    // ratchets on; take them as they are now so those messages cannot be
    // decrypted (replayed) a second time.
    const historicalReceiverData = new Map(pending.newState.historicalReceiverData);
    for (const [epoch, data] of historicalReceiverData) {
      const latest =
        epoch === current.groupContext.epoch ? { ...data, secretTree: current.secretTree } : current.historicalReceiverData.get(epoch);
      if (latest !== undefined) historicalReceiverData.set(epoch, latest);
    }
    this.#state = { ...pending.newState, historicalReceiverData };
    this.#pending = undefined;
    pending.consumed.forEach(zeroOutUint8Array);
  }

  #dropPending(): void {
    // Not zeroing `consumed`: it holds secrets the current state still uses
    // (its init secret among them) and would need to process the winning commit.
    this.#pending = undefined;
  }

  #commitOutcome(
    before: MlsMemberInfo[],
    committerLeafIndex: number,
    flags: { ownCommit: boolean; discardedPendingCommit: boolean },
  ): ProcessCommitResult {
    const state = this.#requireState();
    const after = membersOf(state.ratchetTree);
    const key = (member: MlsMemberInfo): string => `${member.leafIndex}:${member.participantId}`;
    const beforeKeys = new Set(before.map(key));
    const afterKeys = new Set(after.map(key));
    return {
      epoch: state.groupContext.epoch,
      committerLeafIndex,
      added: after.filter((member) => !beforeKeys.has(key(member))),
      removed: before.filter((member) => !afterKeys.has(key(member))),
      removedSelf: state.groupActiveState.kind === 'removedFromGroup',
      ...flags,
    };
  }

  async #generateKeyPackage(): Promise<StoredKeyPackage> {
    const now = Math.floor(Date.now() / 1000);
    const lifetime: Lifetime = {
      notBefore: BigInt(now - KEY_PACKAGE_BACKDATE_SECONDS),
      notAfter: BigInt(now + this.#keyPackageLifetimeSeconds),
    };
    return generateKeyPackageWithKey(
      credentialOf(this.#identity),
      defaultCapabilities(),
      lifetime,
      [],
      keysOf(this.#identity),
      this.#suite,
    );
  }
}

function checkEpoch(messageEpoch: bigint, currentEpoch: bigint): void {
  if (messageEpoch < currentEpoch) throw new MlsEpochError('stale-epoch', messageEpoch, currentEpoch);
  if (messageEpoch > currentEpoch) throw new MlsEpochError('future-epoch', messageEpoch, currentEpoch);
}

function membersOf(tree: RatchetTree): MlsMemberInfo[] {
  const members: MlsMemberInfo[] = [];
  // Leaves sit at even node indices; blank leaves are undefined.
  for (let nodeIndex = 0; nodeIndex < tree.length; nodeIndex += 2) {
    const node = tree[nodeIndex];
    if (node?.nodeType !== 'leaf') continue;
    const participantId = participantIdFromCredential(node.leaf.credential);
    // The credential check at add time keeps foreign credentials out of the tree.
    if (participantId !== undefined) members.push({ participantId, leafIndex: nodeIndex / 2, signaturePublicKey: node.leaf.signaturePublicKey });
  }
  return members;
}

function toGroupId(groupId: Uint8Array | string): Uint8Array {
  const bytes = typeof groupId === 'string' ? utf8.encode(groupId) : groupId.slice();
  if (bytes.length === 0) throw new MlsGroupError('invalid-argument', 'group id must not be empty');
  return bytes;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index += 1) if (a[index] !== b[index]) return false;
  return true;
}

function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
