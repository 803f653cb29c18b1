import { ApplicationPayload, MLS_FALLBACK_COMMIT_MS, MLS_FALLBACK_STEP_MS, ResumeNotice, SequencedEnvelope, type MlsJoinInfo } from '@care/shared';
import { ApiError } from '../api/api-error.js';
import { request, type AppSocket } from '../socket/socket-client.js';
import { subscribe, type Unsubscribe } from '../socket/socket-subscription.js';
import { commitRefusal, committerOrder, leavers, type GroupSeat, type RoomRoster } from './commit-policy.js';
import { deviceIdentity } from './device-identity.js';
import type { MessageSequence } from './message-sequence.js';
import { inspectCommit, inspectMessage, MlsEpochError, MlsIdentity, MlsMember } from './mls/index.js';
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
/** KeyPackages kept per peer: a joiner's retries may cross the committer's Add of an earlier one. */
const ANNOUNCED_PER_PEER = 4;

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
 * room adds joiners and removes leavers (and any leaf whose participant is
 * not here); if it has not within a few seconds, the next member does, and so
 * on (MLS_FALLBACK_COMMIT_MS, the server holds everyone to the same times).
 * The server takes the first commit for an epoch; anyone who lost the race
 * processes the winner and tries again.
 *
 * What this member accepts: commits that keep the room's rules
 * (`commit-policy.ts`), Welcomes for this room's group. A commit it cannot
 * follow — refused, or failing to process — does not leave it on an old
 * epoch: it drops its group state and asks to be added anew.
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
  /** Who holds the keys of the current epoch, by leaf: what the room shows beside the people on screen. */
  members = $state<GroupSeat[]>([]);

  readonly support = transformSupport();
  #member: MlsMember | undefined;
  #worker: Worker | undefined;
  #counts = new Map<string, TrackCounts>();
  #countsAt = 0;
  #leafToPeer = new Map<number, string>();
  #verifiedCode: string | undefined;
  #counterpart: Counterpart | undefined;
  // Every group operation and incoming handshake runs in this one queue, in order.
  #queue: Promise<void> = Promise.resolve();
  /** KeyPackages to add, by peer; `rejoin`: a member that lost its state, to be removed and added again. */
  #wantedAdds = new Map<string, { keyPackage: Uint8Array; rejoin: boolean }>();
  /** Peers in the room now, this device included (the room tells us, see `peerPresent`). */
  readonly #present = new Set<string>();
  readonly #announced = new Map<string, Uint8Array[]>();
  #roomId = '';
  #identity: MlsIdentity | undefined;
  #keyPackageTimer: ReturnType<typeof setInterval> | undefined;
  /** The member made in the lobby, its KeyPackage published there (held by the server until this person is let in). */
  #preparing: Promise<void> | undefined;
  /** The current member's KeyPackage is out: the server holds it, or has handed it to the group. */
  #published = false;
  #fallbackTimer: ReturnType<typeof setTimeout> | undefined;
  #epochWaiters: Array<() => void> = [];
  #unsubscribe: Unsubscribe | undefined;
  #closed = false;
  /** This visit has said who it is to the group (see `MessageSequence.announce`). */
  #announcedToGroup = false;
  /**
   * The epoch our announcement was sealed for (or a newer one, if it had to
   * be sealed again), and by participant, the epoch whose commit added them
   * last as this page saw it: a participant added after our announcement did
   * not hear it, one added before (or already there when we joined) did.
   */
  #announcedAt: number | undefined;
  readonly #addedAt = new Map<string, number>();

  /**
   * `sequence`: the page's numbering of what it sends and record of what it
   * received, kept across room visits so that after a reconnect the others
   * send again what this page missed (and it does the same for them).
   */
  constructor(
    private readonly socket: AppSocket,
    private readonly onMessage: (fromPeerId: string, payload: ApplicationPayload, sentAt: string) => void,
    private readonly trust?: TrustContext,
    private readonly sequence?: MessageSequence,
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
   * In the lobby: the member this device will be in the room's group, and
   * its KeyPackage, published; the server holds it until the host lets this
   * person in, then hands it to the group's members with everyone let in at
   * the same time, so one commit adds them all.
   */
  prepareMember(roomId: string, peerId: string, options: { unlinkable?: boolean } = {}): Promise<void> {
    this.#preparing ??= this.#prepareMember(roomId, peerId, options);
    return this.#preparing;
  }

  async #prepareMember(roomId: string, peerId: string, options: { unlinkable?: boolean }): Promise<void> {
    this.prepare();
    if (this.state === 'unsupported' || this.#closed) return;
    this.#roomId = roomId;
    this.#present.add(peerId);
    this.#identity = await this.#identityFor(peerId, options);
    const member = await MlsMember.create(this.#identity);
    this.#member = member;
    await this.#publishFrom(member, false);
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
    this.#roomId = roomId;
    this.#present.add(peerId);
    // A lobby publication that failed is made again below.
    await this.#preparing?.catch(() => undefined);
    // Its lobby publication found nobody holding the group, and it started the group itself.
    if (this.#member?.status === 'active') return;
    this.#identity ??= await this.#identityFor(peerId, options);
    if (mls.role === 'create') {
      this.#stopPublishing();
      const member = this.#member ?? (await MlsMember.create(this.#identity));
      this.#member = member;
      await this.#serial(async () => {
        await member.createGroup(roomId);
        await this.#enterEpoch();
        // KeyPackages that came while the group did not exist yet: their owners are added now, not at their next publication.
        await this.#commitWanted();
      });
    } else if (this.#member && this.#published) {
      // Published from the lobby: the server hands it to the committer now; ask again only if no Welcome comes.
      this.#keepPublishing(this.#member, false);
    } else {
      await this.#joinAnew(false);
    }
    await entered;
  }

  #identityFor(peerId: string, options: { unlinkable?: boolean }): Promise<MlsIdentity> {
    return options.unlinkable ? MlsIdentity.generate(peerId) : deviceIdentity(peerId);
  }

  /** Someone is in the room (those already there when we joined, and each newcomer). */
  peerPresent(peerId: string): void {
    this.#present.add(peerId);
  }

  /** Someone left the room, or was removed: whatever leaves they hold are now to be removed. */
  peerLeft(peerId: string): void {
    this.#present.delete(peerId);
    this.#wantedAdds.delete(peerId);
    this.#announced.delete(peerId);
    void this.#serial(() => this.#commitWanted());
  }

  /**
   * Publishes a fresh KeyPackage from a fresh member and waits for a Welcome,
   * asking again now and then (the committer may have left). `rejoin`: this
   * device held the group and lost it; its old leaf goes as the new one comes.
   */
  async #joinAnew(rejoin: boolean): Promise<void> {
    if (!this.#identity || this.#closed) return;
    this.#member = await MlsMember.create(this.#identity);
    this.#published = false;
    this.#keepPublishing(this.#member, rejoin);
    await this.#publishFrom(this.#member, rejoin);
  }

  /** Publishes the member's KeyPackage again every few seconds until it is in a group. */
  #keepPublishing(member: MlsMember, rejoin: boolean): void {
    this.#stopPublishing();
    this.#keyPackageTimer = setInterval(() => void this.#publishFrom(member, rejoin).catch(() => undefined), KEY_PACKAGE_RETRY_MS);
  }

  /** One publication of a fresh KeyPackage of this member; if nobody present holds the group any more, it starts the group afresh. */
  #publishFrom(member: MlsMember, rejoin: boolean): Promise<void> {
    return this.#serial(async () => {
      if (member !== this.#member || member.status !== 'no-group' || this.#closed) return;
      const keyPackage = await member.createKeyPackage();
      const { create } = await request(this.socket, 'mls:publish-key-package', { keyPackage, ...(rejoin ? { rejoin } : {}) });
      this.#published = true;
      if (!create) return;
      // Nobody present holds the group any more: this device starts it afresh.
      this.#stopPublishing();
      await member.createGroup(this.#roomId);
      await this.#enterEpoch();
      await this.#commitWanted();
    });
  }

  #stopPublishing(): void {
    if (this.#keyPackageTimer) clearInterval(this.#keyPackageTimer);
    this.#keyPackageTimer = undefined;
  }

  /**
   * This device can no longer follow the group: no keys until it is added
   * anew. `seated`: the group still has this device's old leaf (so the
   * committer replaces it); not so when the group was started afresh.
   */
  async #rejoin(why: string, seated = true): Promise<void> {
    if (this.#closed) return;
    // Said in this browser's own console (no ids, nothing of the group): why the lock went back to "establishing".
    console.warn(`end-to-end encryption: joining the group anew (${why})`);
    this.state = 'establishing';
    this.members = [];
    // The group we come back to may be a new one (epochs from 0 again) that never heard us: answer everyone.
    this.#announcedAt = undefined;
    this.#addedAt.clear();
    this.#post({ kind: 'clear' });
    if (this.#fallbackTimer) clearTimeout(this.#fallbackTimer);
    this.#fallbackTimer = undefined;
    // Runs inside the queue: the first publication is queued behind this operation, not awaited in it.
    void this.#joinAnew(seated).catch(() => undefined);
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

  /**
   * Gives a receiver a new decrypting transform from the same worker, which
   * takes its frames over from the old one (ReceiveTransformWatch: Chromium
   * now and then never hooks a receive transform up). False where the
   * fallback's streams can be taken only once.
   */
  reattachReceiver(receiver: RTCRtpReceiver, kind: 'audio' | 'video', trackId: string): boolean {
    if (this.support !== 'script-transform') return false;
    this.attachReceiver(receiver, kind, trackId);
    return true;
  }

  /** Frames of a track the worker has handled in any way: opened or sealed, dropped for want of a key, or refused. */
  framesHandled(trackId: string): number {
    const counts = this.#counts.get(trackId);
    return counts ? counts.frames + counts.noKey + Object.values(counts.failuresByLeaf).reduce((a, b) => a + b, 0) : 0;
  }

  /** When the worker made the counts `framesHandled` and `framesSeen` give (its `Date.now()`); 0 before any came. */
  countsAt(): number {
    return this.#countsAt;
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
    return this.#sendPlaintext(this.sequence ? await this.sequence.seal(payload) : payload);
  }

  /** Encrypts for the current epoch and sends (`to`: that peer only), again for a newer epoch if the group moved on. */
  async #sendPlaintext(content: SequencedEnvelope | ResumeNotice | ApplicationPayload, to?: string): Promise<{ sentAt: string }> {
    const plaintext = new TextEncoder().encode(JSON.stringify(content));
    for (let attempt = 0; ; attempt++) {
      const member = this.#member;
      if (!member || member.status !== 'active') throw new ApiError('unavailable', 'not in the group yet');
      const epoch = Number(member.epoch);
      const message = await member.encryptApplication(plaintext);
      try {
        return await request(this.socket, 'mls:message', { epoch, message, ...(to === undefined ? {} : { to }) });
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
    this.#stopPublishing();
    if (this.#fallbackTimer) clearTimeout(this.#fallbackTimer);
    this.#unsubscribe?.();
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
    this.#countsAt = message.at;
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
    this.#unsubscribe = subscribe(this.socket, {
      'mls:key-packages': ({ keyPackages }) => {
        for (const { peerId, keyPackage, rejoin } of keyPackages) {
          // A KeyPackage must name the peer it came from, or one participant could join as another;
          // and that peer must be in the room, or the server could slip in a listener nobody sees.
          let info;
          try {
            info = inspectMessage(new Uint8Array(keyPackage));
          } catch {
            continue;
          }
          if (info.kind !== 'key-package' || info.participantId !== peerId || !this.#present.has(peerId)) continue;
          const bytes = new Uint8Array(keyPackage);
          this.#announced.set(peerId, [...(this.#announced.get(peerId) ?? []), bytes].slice(-ANNOUNCED_PER_PEER));
          this.#wantedAdds.set(peerId, { keyPackage: bytes, rejoin: rejoin === true });
        }
        // All of them in one commit: everyone let in together joins one epoch, with one Welcome.
        void this.#serial(() => this.#commitWanted());
      },
      'mls:commit': ({ commit }) => {
        void this.#serial(async () => {
          const member = this.#member;
          if (!member || member.status !== 'active') return;
          const bytes = new Uint8Array(commit);
          let contents;
          try {
            contents = inspectCommit(bytes);
          } catch {
            contents = undefined;
          }
          // A commit that breaks the room's rules is not followed, whoever let it through.
          const refusal = commitRefusal(member.members(), contents, this.#roster());
          if (refusal !== undefined) return this.#rejoin(`a commit broke the room rules: ${refusal}`);
          let result;
          try {
            result = await member.processCommit(bytes);
          } catch (error) {
            // An old commit delivered again changes nothing; any other failure leaves us behind the group.
            if (error instanceof MlsEpochError && error.code === 'stale-epoch') return;
            return this.#rejoin('a commit could not be processed');
          }
          for (const add of contents?.adds ?? []) {
            if (add.participantId === undefined) continue;
            this.#wantedAdds.delete(add.participantId);
            this.#addedAt.set(add.participantId, Number(result.epoch));
          }
          if (result.removedSelf) {
            console.warn('end-to-end encryption: this device was removed from the group');
            this.state = 'removed';
            this.members = [];
            this.#post({ kind: 'clear' });
            return;
          }
          await this.#enterEpoch();
          // A commit of ours may have lost to this one: what we wanted to do is still to do.
          await this.#commitWanted();
        });
      },
      'mls:welcome': ({ welcome }) => {
        void this.#serial(async () => {
          const member = this.#member;
          if (!member || member.status !== 'no-group') return;
          try {
            await member.joinFromWelcome(new Uint8Array(welcome), { expectedGroupId: this.#roomId });
          } catch {
            // Not for our KeyPackages, not this room's group, or broken: the server may count us in
            // the group all the same, so ask to be added anew rather than wait for a Welcome that will not come.
            return this.#rejoin('a Welcome could not be joined');
          }
          this.#stopPublishing();
          await this.#enterEpoch();
          await this.#commitWanted();
        });
      },
      'mls:group-restarted': () => {
        // Everyone else lost the group after our commit and started it afresh without us.
        void this.#serial(() => (this.#member?.status === 'active' ? this.#rejoin('the group was started afresh', false) : Promise.resolve()));
      },
      'mls:message': ({ message, sentAt }) => {
        void this.#serial(async () => {
          const member = this.#member;
          if (!member || member.status !== 'active') return;
          try {
            const decrypted = await member.decryptApplication(new Uint8Array(message));
            await this.#received(decrypted.senderParticipantId, JSON.parse(new TextDecoder().decode(decrypted.plaintext)) as unknown, sentAt);
          } catch {
            // Not for us or not authentic: nothing to show.
          }
        });
      },
    });
  }

  /**
   * An application message's content, authentic but still checked (a
   * member's client could be buggy or hostile): a numbered payload (shown
   * once, however often it comes), a page announcing itself (answered with
   * what it missed), or a bare payload from a client that does not number.
   */
  async #received(fromPeerId: string, content: unknown, sentAt: string): Promise<void> {
    const sequenced = SequencedEnvelope.safeParse(content);
    if (sequenced.success) {
      const payload = this.sequence ? await this.sequence.receive(sequenced.data) : sequenced.data.payload;
      if (payload) this.onMessage(fromPeerId, payload, sentAt);
      return;
    }
    const notice = ResumeNotice.safeParse(content);
    if (notice.success) {
      if (!this.sequence) return;
      const { resend, answer } = await this.sequence.resume(notice.data, { heardOurs: this.#heardOurAnnouncement(fromPeerId) });
      // Not awaited here: a send may wait for the next epoch, which this queue has to let in.
      void this.#sendAgain(fromPeerId, [...(answer ? [answer] : []), ...resend]);
      return;
    }
    const payload = ApplicationPayload.safeParse(content);
    if (payload.success) this.onMessage(fromPeerId, payload.data, sentAt);
  }

  /** Sends these to one peer, in order; one that fails is not retried (the page asks again when it comes back again). */
  async #sendAgain(to: string, contents: ReadonlyArray<SequencedEnvelope | ResumeNotice>): Promise<void> {
    for (const content of contents) await this.#sendPlaintext(content, to).catch(() => undefined);
  }

  /** Once per visit, on holding the group's keys: who this page is, and what it holds of each sender if it was here before. */
  #announce(): void {
    if (!this.sequence || this.#announcedToGroup) return;
    this.#announcedToGroup = true;
    // Sealed for this epoch or, sent again after a commit, a newer one: counting from this one only ever answers more.
    this.#announcedAt = this.#member?.status === 'active' ? Number(this.#member.epoch) : undefined;
    void this.sequence
      .announce()
      .then((notice) => this.#sendPlaintext(notice))
      .catch(() => undefined);
  }

  /**
   * Whether this participant was in the group when we announced ourselves:
   * already there when we joined, or added by a commit up to that epoch. A
   * notice that reaches us before our own announcement (not possible while
   * both run in one queue) would be heard-of all the same: ours follows.
   */
  #heardOurAnnouncement(peerId: string): boolean {
    if (this.#announcedAt === undefined) return this.#announcedToGroup === false;
    return (this.#addedAt.get(peerId) ?? -1) <= this.#announcedAt;
  }

  #roster(): RoomRoster {
    return {
      present: this.#present,
      announced: (peerId, keyPackage) => (this.#announced.get(peerId) ?? []).some((known) => bytesEqual(known, keyPackage)),
    };
  }

  /**
   * What is due: every leaf whose participant is not here goes, and every
   * present peer waiting to be added comes, all in one commit (a member that
   * lost its state leaves its old leaf in the same commit). `order`: who may
   * commit, first the designated committer.
   */
  #work(member: MlsMember): { remove: string[]; add: Array<[string, Uint8Array]>; order: number[] } {
    const seats = member.members();
    const seated = new Set(seats.map((seat) => seat.participantId));
    const rejoining = new Set([...this.#wantedAdds].filter(([peerId, wanted]) => wanted.rejoin && seated.has(peerId)).map(([peerId]) => peerId));
    const add = [...this.#wantedAdds]
      .filter(([peerId]) => this.#present.has(peerId) && (!seated.has(peerId) || rejoining.has(peerId)))
      .map(([peerId, wanted]): [string, Uint8Array] => [peerId, wanted.keyPackage]);
    const remove = leavers(seats, this.#present);
    for (const [peerId] of add) if (rejoining.has(peerId)) remove.push(peerId);
    return { remove, add, order: committerOrder(seats, this.#present, rejoining) };
  }

  /**
   * A member that is not the committer makes the commit itself if the group
   * has not moved on after its wait (MLS_FALLBACK_COMMIT_MS, then
   * MLS_FALLBACK_STEP_MS per rank); a group that moved on shows the committer
   * is at work, and the wait starts again.
   */
  #armFallback(member: MlsMember): void {
    const { remove, add, order } = this.#work(member);
    if (this.#fallbackTimer || (remove.length === 0 && add.length === 0)) return;
    const rank = Math.max(1, order.indexOf(member.ownLeafIndex));
    const epoch = member.epoch;
    this.#fallbackTimer = setTimeout(() => {
      this.#fallbackTimer = undefined;
      void this.#serial(() => (this.#member === member && member.epoch === epoch ? this.#commitWanted(true) : this.#commitWanted())).catch(
        () => undefined,
      );
    }, MLS_FALLBACK_COMMIT_MS + (rank - 1) * MLS_FALLBACK_STEP_MS);
  }

  async #commitWanted(instead = false): Promise<void> {
    const member = this.#member;
    if (!member || member.status !== 'active' || this.#closed) return;
    const { remove, add, order } = this.#work(member);
    if (remove.length === 0 && add.length === 0) return;
    if (!instead && order[0] !== member.ownLeafIndex) {
      this.#armFallback(member);
      return;
    }
    let built;
    try {
      built = await member.changeMembers({ remove, add: add.map(([, keyPackage]) => keyPackage) });
    } catch {
      // An unusable KeyPackage spoils the commit: drop it (its owner publishes a fresh one) and add the others.
      if (await this.#dropUnusable(member, add)) await this.#commitWanted(instead);
      return;
    }
    const outcome = await this.#submit(member, { commit: built.commit, ...(built.welcome ? { welcome: built.welcome } : {}) });
    switch (outcome) {
      case 'accepted':
        for (const [peerId] of add) {
          this.#wantedAdds.delete(peerId);
          this.#addedAt.set(peerId, Number(member.epoch));
        }
        return this.#commitWanted(instead);
      case 'lost':
        return;
      case 'not-yet':
        this.#armFallback(member);
        return;
      case 'refused':
        // The server saw something we did not (a newer KeyPackage, someone gone): wait for news.
        for (const [peerId] of add) this.#wantedAdds.delete(peerId);
        return;
    }
  }

  /**
   * Finds which of these KeyPackages cannot be added (by trying each alone)
   * and forgets them. Whether anything is left to try again: when none was at
   * fault, all are forgotten, so a commit that cannot be built is not retried forever.
   */
  async #dropUnusable(member: MlsMember, add: ReadonlyArray<[string, Uint8Array]>): Promise<boolean> {
    let dropped = 0;
    for (const [peerId, keyPackage] of add.length > 1 ? add : []) {
      try {
        await member.changeMembers({ add: [keyPackage] });
        await member.discardPendingCommit();
      } catch {
        this.#wantedAdds.delete(peerId);
        dropped++;
      }
    }
    if (dropped > 0 && dropped < add.length) return true;
    for (const [peerId] of add) this.#wantedAdds.delete(peerId);
    return false;
  }

  /**
   * Sends a commit. 'accepted': this device moved to the new epoch. 'lost':
   * another commit won the epoch and is on its way. 'not-yet': it is not this
   * device's turn to commit. 'refused': the server refused it by the room's rules.
   */
  async #submit(member: MlsMember, commit: { commit: Uint8Array; welcome?: Uint8Array }): Promise<'accepted' | 'lost' | 'not-yet' | 'refused'> {
    let result;
    try {
      result = await request(this.socket, 'mls:commit', commit);
    } catch (error) {
      await member.discardPendingCommit();
      if (error instanceof ApiError && error.code === 'not_committer') return 'not-yet';
      if (error instanceof ApiError && error.code === 'invalid_payload') return 'refused';
      throw error;
    }
    if (!result.accepted) {
      await member.discardPendingCommit();
      return 'lost';
    }
    await member.confirmPendingCommit();
    await this.#enterEpoch();
    return 'accepted';
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
    // A KeyPackage that crossed its owner's Add is done with; a rejoin waits for its own commit.
    for (const seat of members) if (this.#wantedAdds.get(seat.participantId)?.rejoin === false) this.#wantedAdds.delete(seat.participantId);
    this.#leafToPeer = new Map(members.map((m) => [m.leafIndex, m.participantId]));
    this.members = members.map(({ participantId, leafIndex }) => ({ participantId, leafIndex }));
    const epoch = Number(member.epoch);
    this.#post({
      kind: 'epoch',
      epoch,
      baseKey: await member.sframeBaseKey(),
      ownLeaf: member.ownLeafIndex,
      memberLeaves: members.map((m) => m.leafIndex),
    });
    // The keys are with the worker: whoever waits for the epoch (key frames asked for, a message sent again) goes
    // on now; the safety code and the remembered-device lookup below are for the page, tens of milliseconds later.
    const waiters = this.#epochWaiters;
    this.#epochWaiters = [];
    for (const resolve of waiters) resolve();
    this.safetyCode = await member.safetyCode();
    this.epoch = epoch;
    const remembered = await this.#rememberedDevice(members, member.ownLeafIndex);
    const confirmedNow = this.#verifiedCode === this.safetyCode;
    this.rememberedVerification = remembered && !confirmedNow;
    this.state = confirmedNow || remembered ? 'verified' : 'encrypted';
    this.#announce();
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
