import { ApplicationPayload, type MlsJoinInfo } from '@care/shared';
import { ApiError } from '../api/api-error.js';
import { request, type AppSocket } from '../socket/socket-client.js';
import { deviceIdentity } from './device-identity.js';
import { inspectMessage, MlsIdentity, MlsMember } from './mls/index.js';
import { deviceFingerprint, rememberVerifiedDevice, verifiedDevice } from './verified-devices.js';
import type { FromWorker, ToWorker, TrackCounts, TransformOptions } from './worker-protocol.js';

/**
 * What the lock indicator shows. Never "encrypted" without keys in place:
 * - establishing: joining the group; nothing is sent yet
 * - encrypted: media and chat are end-to-end encrypted, codes not yet compared
 * - verified: encrypted, and this person confirmed the safety code matches,
 *   in this visit or (1:1) for this same device of the other person before
 * - unsupported: this browser cannot encrypt frames; nothing is sent
 * - removed: this device is no longer in the group (removed, or the room restarted)
 */
export type EncryptionState = 'establishing' | 'encrypted' | 'verified' | 'unsupported' | 'removed';

export type TransformSupport = 'script-transform' | 'encoded-streams' | 'none';

/** Who is who, for remembering verified devices: this person's account, and the account behind a peer (none for a pseudonym). */
export interface TrustContext {
  ownerId: string;
  accountOf: (peerId: string) => string | undefined;
}

/** The one other member of a two-person group whose account is known: whose device a verification can be remembered for. */
interface Counterpart {
  accountId: string;
  fingerprint: string;
}

interface EncodedStreamsSender {
  createEncodedStreams(): { readable: ReadableStream; writable: WritableStream };
}

/** How often a joiner asks again for a Welcome that has not come (the committer may have left). */
const KEY_PACKAGE_RETRY_MS = 4000;
/** How often a chat message is re-encrypted and resent when it met an epoch change. */
const CHAT_RETRIES = 3;
/**
 * How long the member after the committer waits for an add or remove the
 * committer should have made before making it itself (a frozen or broken
 * committer must not keep a joiner out, or a leaver in); each further member
 * waits this much longer again.
 */
const FALLBACK_COMMIT_MS = 5000;
const FALLBACK_STEP_MS = 2000;

export function transformSupport(): TransformSupport {
  if (typeof RTCRtpScriptTransform !== 'undefined') return 'script-transform';
  if (typeof RTCRtpSender !== 'undefined' && 'createEncodedStreams' in RTCRtpSender.prototype) return 'encoded-streams';
  return 'none';
}

/**
 * The E2EE of one room session: this device's member of the room's MLS
 * group, the frame crypto worker it keys, and chat as MLS application
 * messages. The server sees only opaque bytes; it orders commits.
 *
 * Who commits: the member with the lowest leaf index that is still in the
 * room adds joiners and removes leavers; if it has not within a few seconds,
 * the next member does, and so on. The server takes the first commit for an
 * epoch; anyone who lost the race processes the winner and tries again.
 */
export class E2eeSession {
  state = $state<EncryptionState>('establishing');
  safetyCode = $state('');
  epoch = $state(-1);
  /** Frames from each peer that failed to decrypt (since joining). */
  decryptFailures = $state<Record<string, number>>({});
  /** Verified without comparing the code in this visit: the other's device is the one verified before. */
  rememberedVerification = $state(false);
  /** The other person's device is not the one this person verified before: compare the code again. */
  deviceChanged = $state(false);

  readonly support = transformSupport();
  #member: MlsMember | undefined;
  #worker: Worker | undefined;
  #counts = new Map<string, TrackCounts>();
  #leafToPeer = new Map<number, string>();
  #verifiedCode: string | undefined;
  #counterpart: Counterpart | undefined;
  // Every group operation and incoming handshake runs in this one queue, in order.
  #queue: Promise<void> = Promise.resolve();
  #wantedAdds = new Map<string, Uint8Array>();
  #departed = new Set<string>();
  #keyPackageTimer: ReturnType<typeof setInterval> | undefined;
  #fallbackTimer: ReturnType<typeof setTimeout> | undefined;
  #epochWaiters: Array<() => void> = [];
  #unsubscribe: Array<() => void> = [];
  #closed = false;

  constructor(
    private readonly socket: AppSocket,
    private readonly onMessage: (fromPeerId: string, payload: ApplicationPayload, sentAt: string) => void,
    private readonly trust?: TrustContext,
  ) {}

  get peerLeaves(): ReadonlyMap<number, string> {
    return this.#leafToPeer;
  }

  /**
   * Starts the frame worker, so receivers can be attached at once: until keys
   * arrive, their frames are dropped, never shown undecrypted.
   */
  prepare(): void {
    if (this.support === 'none') {
      this.state = 'unsupported';
      return;
    }
    if (this.#worker) return;
    this.#worker = new Worker(new URL('./frame-crypto.worker.ts', import.meta.url), { type: 'module' });
    this.#worker.onmessage = (event: MessageEvent<FromWorker>) => this.#onWorkerMessage(event.data);
    this.#listen();
  }

  /**
   * Joins (or creates) the room's group. Resolves once this device holds the
   * keys of an epoch. `unlinkable`: sign with a key made for this visit only
   * instead of the device's key, so a member under a pseudonym cannot be
   * recognised by their signature key in another circle.
   */
  async start(roomId: string, peerId: string, mls: MlsJoinInfo, options: { unlinkable?: boolean } = {}): Promise<void> {
    this.prepare();
    if (this.state === 'unsupported') return;
    const entered = this.nextEpoch();
    this.#member = await MlsMember.create(options.unlinkable ? await MlsIdentity.generate(peerId) : await deviceIdentity(peerId));
    const member = this.#member;
    if (mls.role === 'create') {
      await this.#serial(async () => {
        await member.createGroup(roomId);
        await this.#enterEpoch();
      });
    } else {
      const publish = () =>
        this.#serial(async () => {
          if (member.status !== 'no-group' || this.#closed) return;
          await request(this.socket, 'mls:publish-key-package', { keyPackage: await member.createKeyPackage() });
        });
      await publish();
      this.#keyPackageTimer = setInterval(() => void publish().catch(() => undefined), KEY_PACKAGE_RETRY_MS);
    }
    await entered;
  }

  /** Resolves at the next epoch this device enters. */
  nextEpoch(): Promise<void> {
    return new Promise((resolve) => this.#epochWaiters.push(resolve));
  }

  /** Puts a sender's outgoing frames through the worker: encrypted, or dropped when there is no key. */
  attachSender(sender: RTCRtpSender, kind: 'audio' | 'video', trackId: string): void {
    this.#attach(sender, { operation: 'encrypt', codec: kind === 'audio' ? 'opus' : 'vp8', trackId });
  }

  attachReceiver(receiver: RTCRtpReceiver, kind: 'audio' | 'video', trackId: string): void {
    this.#attach(receiver, { operation: 'decrypt', codec: kind === 'audio' ? 'opus' : 'vp8', trackId });
  }

  /** How many frames the worker has handled for a track (0 means the transform never ran). */
  framesSeen(trackId: string): number {
    const counts = this.#counts.get(trackId);
    return counts ? counts.frames + counts.noKey : 0;
  }

  /** The person confirmed that both sides show the same safety code. */
  confirmVerified(): void {
    if (this.state !== 'encrypted') return;
    this.#verifiedCode = this.safetyCode;
    this.state = 'verified';
    this.deviceChanged = false;
    // In a 1:1 session the code vouches for the other's device key: remember it for next time.
    const counterpart = this.#counterpart;
    if (counterpart && this.trust) void rememberVerifiedDevice(this.trust.ownerId, counterpart.accountId, counterpart.fingerprint);
  }

  /** Sends a chat line or an emergency contact as an MLS application message. */
  async send(payload: ApplicationPayload): Promise<{ sentAt: string }> {
    const plaintext = new TextEncoder().encode(JSON.stringify(payload));
    for (let attempt = 0; ; attempt++) {
      const member = this.#member;
      if (!member || member.status !== 'active') throw new ApiError('unavailable', 'not in the group yet');
      const epoch = Number(member.epoch);
      const message = await member.encryptApplication(plaintext);
      try {
        return await request(this.socket, 'mls:message', { epoch, message });
      } catch (error) {
        // The group moved on while this was in flight: encrypt again for the new epoch.
        if (error instanceof ApiError && error.code === 'stale_epoch' && attempt < CHAT_RETRIES) {
          if (Number(member.epoch) === epoch) await this.nextEpoch();
          continue;
        }
        throw error;
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#keyPackageTimer) clearInterval(this.#keyPackageTimer);
    if (this.#fallbackTimer) clearTimeout(this.#fallbackTimer);
    for (const off of this.#unsubscribe) off();
    this.#post({ kind: 'clear' });
    this.#worker?.terminate();
  }

  #attach(endpoint: RTCRtpSender | RTCRtpReceiver, options: TransformOptions): void {
    if (!this.#worker) throw new Error('the E2EE worker is not running');
    if (this.support === 'script-transform') {
      endpoint.transform = new RTCRtpScriptTransform(this.#worker, options);
      return;
    }
    const { readable, writable } = (endpoint as unknown as EncodedStreamsSender).createEncodedStreams();
    this.#worker.postMessage({ kind: 'streams', readable, writable, options } satisfies ToWorker, [
      readable as unknown as Transferable,
      writable as unknown as Transferable,
    ]);
  }

  #post(message: ToWorker): void {
    this.#worker?.postMessage(message);
  }

  #onWorkerMessage(message: FromWorker): void {
    if (message.kind !== 'counts') return;
    const failures: Record<string, number> = {};
    for (const track of message.tracks) {
      this.#counts.set(track.trackId, track);
      for (const [leaf, count] of Object.entries(track.failuresByLeaf)) {
        const peerId = this.#leafToPeer.get(Number(leaf)) ?? 'unknown';
        failures[peerId] = (failures[peerId] ?? 0) + count;
      }
    }
    const changed = Object.entries(failures).some(([peer, n]) => this.decryptFailures[peer] !== n);
    if (changed) this.decryptFailures = failures;
  }

  #serial(operation: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(operation);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #listen(): void {
    const on = <T>(event: string, handler: (payload: T) => void) => {
      const socket = this.socket as unknown as { on(e: string, h: (p: T) => void): void; off(e: string, h: (p: T) => void): void };
      socket.on(event, handler);
      this.#unsubscribe.push(() => socket.off(event, handler));
    };
    on<{ peerId: string; keyPackage: Uint8Array }>('mls:key-package', ({ peerId, keyPackage }) => {
      // A KeyPackage must name the peer it came from, or one participant could join as another.
      let info;
      try {
        info = inspectMessage(new Uint8Array(keyPackage));
      } catch {
        return;
      }
      if (info.kind !== 'key-package' || info.participantId !== peerId) return;
      this.#wantedAdds.set(peerId, new Uint8Array(keyPackage));
      void this.#serial(() => this.#commitWanted());
    });
    on<{ epoch: number; commit: Uint8Array }>('mls:commit', ({ commit }) => {
      void this.#serial(async () => {
        const member = this.#member;
        if (!member || member.status !== 'active') return;
        const result = await member.processCommit(new Uint8Array(commit));
        if (result.removedSelf) {
          this.state = 'removed';
          this.#post({ kind: 'clear' });
          return;
        }
        await this.#enterEpoch();
        // A commit of ours may have lost to this one: what we wanted to do is still to do.
        await this.#commitWanted();
      });
    });
    on<{ welcome: Uint8Array }>('mls:welcome', ({ welcome }) => {
      void this.#serial(async () => {
        const member = this.#member;
        if (!member || member.status !== 'no-group') return;
        await member.joinFromWelcome(new Uint8Array(welcome));
        if (this.#keyPackageTimer) clearInterval(this.#keyPackageTimer);
        await this.#enterEpoch();
      });
    });
    on<{ fromPeerId: string; message: Uint8Array; sentAt: string }>('mls:message', ({ message, sentAt }) => {
      void this.#serial(async () => {
        const member = this.#member;
        if (!member || member.status !== 'active') return;
        try {
          const decrypted = await member.decryptApplication(new Uint8Array(message));
          // Authentic, but still checked: a member's client could be buggy or hostile.
          const payload = ApplicationPayload.safeParse(JSON.parse(new TextDecoder().decode(decrypted.plaintext)));
          if (payload.success) this.onMessage(decrypted.senderParticipantId, payload.data, sentAt);
        } catch {
          // Not for us or not authentic: nothing to show.
        }
      });
    });
    on<{ peerId: string }>('room:peer-left', ({ peerId }) => {
      this.#departed.add(peerId);
      this.#wantedAdds.delete(peerId);
      void this.#serial(() => this.#commitWanted());
    });
  }

  /** This device is the committer when it has the lowest leaf of the members still here. */
  #isCommitter(member: MlsMember): boolean {
    const present = member.members().filter((m) => !this.#departed.has(m.participantId));
    const lowest = Math.min(...present.map((m) => m.leafIndex));
    return member.ownLeafIndex === lowest;
  }

  /** Who should be removed (left the room, still in the group) and added (asked, not yet in it). */
  #work(member: MlsMember): { leavers: string[]; joiners: Array<[string, Uint8Array]> } {
    const inGroup = new Set(member.members().map((m) => m.participantId));
    return {
      leavers: [...this.#departed].filter((id) => inGroup.has(id)),
      joiners: [...this.#wantedAdds.entries()].filter(([peerId]) => !inGroup.has(peerId)),
    };
  }

  /**
   * A member that is not the committer makes the commit itself if the group
   * has not moved on after its wait (see FALLBACK_COMMIT_MS); a group that
   * moved on shows the committer is at work, and the wait starts again.
   */
  #armFallback(member: MlsMember): void {
    const { leavers, joiners } = this.#work(member);
    if (this.#fallbackTimer || (leavers.length === 0 && joiners.length === 0)) return;
    const present = member
      .members()
      .filter((m) => !this.#departed.has(m.participantId))
      .map((m) => m.leafIndex)
      .sort((a, b) => a - b);
    const rank = Math.max(1, present.indexOf(member.ownLeafIndex));
    const epoch = member.epoch;
    this.#fallbackTimer = setTimeout(() => {
      this.#fallbackTimer = undefined;
      void this.#serial(() => (this.#member?.epoch === epoch ? this.#commitWanted(true) : this.#commitWanted())).catch(() => undefined);
    }, FALLBACK_COMMIT_MS + (rank - 1) * FALLBACK_STEP_MS);
  }

  async #commitWanted(instead = false): Promise<void> {
    const member = this.#member;
    if (!member || member.status !== 'active' || this.#closed) return;
    if (!instead && !this.#isCommitter(member)) {
      this.#armFallback(member);
      return;
    }
    const { leavers, joiners } = this.#work(member);
    const epoch = Number(member.epoch);
    if (leavers.length > 0) {
      const { commit } = await member.removeMembers(leavers);
      if (await this.#submit(member, { epoch, commit })) return this.#commitWanted(instead);
      return;
    }
    const next = joiners[0];
    if (!next) return;
    const [peerId, keyPackage] = next;
    let built;
    try {
      built = await member.addMembers([keyPackage]);
    } catch {
      this.#wantedAdds.delete(peerId); // An unusable KeyPackage; the joiner will publish a fresh one.
      return;
    }
    if (await this.#submit(member, { epoch, commit: built.commit, welcome: built.welcome, welcomePeerIds: [peerId] })) {
      this.#wantedAdds.delete(peerId);
      return this.#commitWanted(instead);
    }
  }

  /** Returns true when the server accepted the commit and this device moved to the new epoch. */
  async #submit(
    member: MlsMember,
    commit: { epoch: number; commit: Uint8Array; welcome?: Uint8Array; welcomePeerIds?: string[] },
  ): Promise<boolean> {
    const result = await request(this.socket, 'mls:commit', commit);
    if (!result.accepted) {
      // Someone else's commit for this epoch won; it is on its way to us and will be processed next.
      await member.discardPendingCommit();
      return false;
    }
    await member.confirmPendingCommit();
    await this.#enterEpoch();
    return true;
  }

  /**
   * Whether the group is this person and exactly one other, whose device is
   * the one this person verified before. A third member, a pseudonym (no
   * account) or another device of that person all say no; the last one also
   * raises `deviceChanged`.
   */
  async #rememberedDevice(members: ReadonlyArray<{ participantId: string; leafIndex: number; signaturePublicKey: Uint8Array }>, ownLeaf: number): Promise<boolean> {
    this.#counterpart = undefined;
    this.deviceChanged = false;
    const others = members.filter((m) => m.leafIndex !== ownLeaf);
    const other = others.length === 1 ? others[0] : undefined;
    const accountId = other && this.trust?.accountOf(other.participantId);
    if (!other || !accountId || !this.trust) return false;
    const fingerprint = await deviceFingerprint(other.signaturePublicKey);
    this.#counterpart = { accountId, fingerprint };
    const known = await verifiedDevice(this.trust.ownerId, accountId);
    if (known === undefined) return false;
    this.deviceChanged = known !== fingerprint;
    return known === fingerprint;
  }

  async #enterEpoch(): Promise<void> {
    const member = this.#member;
    if (!member || member.status !== 'active') return;
    const members = member.members();
    this.#leafToPeer = new Map(members.map((m) => [m.leafIndex, m.participantId]));
    const epoch = Number(member.epoch);
    this.#post({
      kind: 'epoch',
      epoch,
      baseKey: await member.sframeBaseKey(),
      ownLeaf: member.ownLeafIndex,
      memberLeaves: members.map((m) => m.leafIndex),
    });
    this.safetyCode = await member.safetyCode();
    this.epoch = epoch;
    const remembered = await this.#rememberedDevice(members, member.ownLeafIndex);
    const confirmedNow = this.#verifiedCode === this.safetyCode;
    this.rememberedVerification = remembered && !confirmedNow;
    this.state = confirmedNow || remembered ? 'verified' : 'encrypted';
    const waiters = this.#epochWaiters;
    this.#epochWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
