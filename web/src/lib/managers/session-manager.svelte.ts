import type {
  CurrentUser,
  FloorState,
  LobbyEntry,
  MediaMode,
  ModerationAction,
  PeerView,
  Reaction,
  RequestPayload,
  ResponseData,
  RoomClosedReason,
  SessionView,
} from '@care/shared';
import { api } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { E2eeSession } from '../e2ee/e2ee-session.svelte.js';
import { groupCensus, type GroupCensus } from '../e2ee/group-census.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { RoomClient, type ConnectionQuality, type MediaConnectionState } from '../rtc/room-client.js';
import { connectSocket, request, type AppSocket } from '../socket/socket-client.js';

export type SessionStage = 'loading' | 'consent' | 'device-check' | 'lobby' | 'joining' | 'room' | 'left' | 'ended' | 'removed' | 'error';

export interface ChatLine {
  id: string;
  mine: boolean;
  /** Who wrote it, as they appear in the room (circles). */
  from?: string;
  text: string;
  sentAt: string;
  failed?: boolean;
}

export interface RemoteParticipant {
  peerId: string;
  displayName: string;
  host: boolean;
  /** Their microphone and camera switches, as the server forwards them. */
  sending: { audio: boolean; video: boolean };
  stream: MediaStream;
  hasVideo: boolean;
}

/** A reaction shown for a few seconds on its sender's tile. */
export interface ShownReaction {
  id: string;
  peerId: string;
  reaction: Reaction;
}

const REACTION_SHOWN_MS = 4000;

const PRESENCE_REFRESH_MS = 20_000;
const QUALITY_POLL_MS = 2000;
/** After the server refused the connection (too many of this person's), try again this much later. */
const REFUSED_RETRY_MS = 10_000;

/**
 * One person's path through a session, 1:1 or a circle meeting: device check,
 * the lobby (for participants) or the waiting list (for the host), the room
 * with its media, chat and floor (raised hands, reactions, the facilitator's
 * controls), and leaving. The page only renders this state.
 */
export class SessionManager {
  stage = $state<SessionStage>('loading');
  me = $state<CurrentUser | undefined>(undefined);
  session = $state<SessionView | undefined>(undefined);
  otherOnline = $state<boolean | undefined>(undefined);
  lobbyQueue = $state<LobbyEntry[]>([]);
  /** Everyone else in the room, in the order they came. */
  participants = $state<RemoteParticipant[]>([]);
  /** Raised hands in order, and whether the room is locked to newcomers. */
  floor = $state<FloorState>({ locked: false, hands: [] });
  /** Our own peer id in the current room visit. */
  myPeerId = $state<string | undefined>(undefined);
  /** The loudest voice now, from the SFU. */
  activeSpeaker = $state<string | undefined>(undefined);
  reactions = $state<ShownReaction[]>([]);
  /** The host switched our microphone or camera off (shown until we act). */
  moderatedNotice = $state<'mute' | 'stop-video' | undefined>(undefined);
  /** Why the lobby sent us away: the room was locked, or the session ended. */
  refused = $state<'locked' | 'removed' | 'ended' | undefined>(undefined);
  connection = $state<MediaConnectionState>('connecting');
  chat = $state<ChatLine[]>([]);
  /** The other person was here and left (shown until they come back). */
  otherLeft = $state(false);
  micOn = $state(true);
  cameraOn = $state(true);
  error = $state<MessageKey | undefined>(undefined);
  /** The latest event a screen reader should hear (someone knocked, joined, left). */
  announcement = $state<{ key: MessageKey; name: string } | undefined>(undefined);
  /** The end-to-end encryption of the current room visit (lock state, safety code). */
  e2ee = $state<E2eeSession | undefined>(undefined);
  /** What of ours is not being sent because it could not be encrypted: everything, or one track whose encryption did not start. */
  notSending = $state<'all' | 'audio' | 'video' | undefined>(undefined);
  /** The counselor said they are running late (minutes), shown in the lobby. */
  lateMinutes = $state<number | undefined>(undefined);
  /** Low-bandwidth mode: full, audio only, or chat only. */
  mediaMode = $state<MediaMode>('full');
  /** What we receive, from live statistics. */
  quality = $state<ConnectionQuality | undefined>(undefined);
  /** What arrives from each participant (circles show it on their tile). */
  peerQuality = $state<Record<string, ConnectionQuality>>({});
  /** Live stats show heavy loss: suggest audio only (the person decides). */
  suggestAudioOnly = $state(false);
  #lossyPolls = 0;
  #qualityTimer: ReturnType<typeof setInterval> | undefined;
  /** Counselor: the emergency contact the client chose to share in this session (memory only). */
  emergencyContact = $state<{ name: string; phone: string; relation: string; sentAt: string } | undefined>(undefined);
  /** Client: the contact went to the counselor. */
  emergencyShared = $state(false);
  /** The panic cover is up: screen blanked, camera and microphone off. */
  hidden = $state(false);
  #beforeHiding = { micOn: true, cameraOn: true };
  /** Why the room ended for us, when the server ended it. */
  closedReason = $state<RoomClosedReason | undefined>(undefined);
  /** The server refused our connection: this person holds too many already (other windows); we try again. */
  tooManyConnections = $state(false);
  #refusedRetry: ReturnType<typeof setTimeout> | undefined;

  localStream: MediaStream | undefined;
  #socket: AppSocket | undefined;
  #room: RoomClient | undefined;
  /** The account behind each peer in the room, where it is shown (never for a pseudonym). */
  readonly #accounts = new Map<string, string>();
  #presenceTimer: ReturnType<typeof setInterval> | undefined;
  #sessionId = '';

  /** The host: the counselor of a 1:1, the facilitator of a circle. */
  get isCounselor(): boolean {
    return this.session?.me.host ?? false;
  }

  get isCircle(): boolean {
    return this.session?.kind === 'circle';
  }

  /** 1:1: the other person. */
  get other(): { id: string; displayName: string } | undefined {
    return this.session?.other;
  }

  /** Who holds the group's key beside who is on screen; undefined until this device holds it. */
  get census(): GroupCensus | undefined {
    const e2ee = this.e2ee;
    if (!e2ee || (e2ee.state !== 'encrypted' && e2ee.state !== 'verified')) return undefined;
    return groupCensus(
      e2ee.members,
      this.myPeerId,
      this.participants.map((p) => p.peerId),
    );
  }

  /** 1:1: the other person, once in the room. */
  get remote(): RemoteParticipant | undefined {
    return this.participants[0];
  }

  nameOf(peerId: string): string {
    if (peerId === this.myPeerId) return this.session?.me.displayName ?? '';
    return this.participants.find((p) => p.peerId === peerId)?.displayName ?? this.other?.displayName ?? '';
  }

  handRaised(peerId: string | undefined): boolean {
    return peerId !== undefined && this.floor.hands.includes(peerId);
  }

  async init(sessionId: string): Promise<void> {
    this.#sessionId = sessionId;
    try {
      [this.me, this.session] = await Promise.all([api.me(), api.session(sessionId)]);
    } catch (error) {
      this.#fail(error);
      return;
    }
    // Circles start with the camera off: each member chooses to be seen.
    if (this.isCircle) this.cameraOn = false;
    const socket = connectSocket();
    this.#socket = socket;
    socket.on('presence:update', ({ userId, online }) => {
      if (userId === this.other?.id) this.otherOnline = online;
    });
    socket.on('lobby:knock', (entry) => {
      if (entry.sessionId !== sessionId) return;
      this.lobbyQueue = [...this.lobbyQueue.filter((e) => e.userId !== entry.userId), entry];
      this.announcement = { key: 'lobby.knocked', name: entry.displayName };
    });
    socket.on('lobby:left', ({ userId }) => {
      this.lobbyQueue = this.lobbyQueue.filter((e) => e.userId !== userId);
    });
    socket.on('lobby:late', ({ sessionId: lateFor, minutes }) => {
      if (lateFor === sessionId) this.lateMinutes = minutes;
    });
    socket.on('lobby:admitted', ({ sessionId: admittedTo }) => {
      if (admittedTo === sessionId && this.stage === 'lobby') void this.#joinRoom();
    });
    socket.on('lobby:refused', ({ sessionId: refusedFor, reason }) => {
      if (refusedFor !== sessionId || this.stage !== 'lobby') return;
      this.refused = reason;
      if (reason === 'ended') this.stage = 'ended';
    });
    socket.on('room:floor', (floor) => {
      const raisedNow = floor.hands.filter((id) => !this.floor.hands.includes(id));
      this.floor = floor;
      for (const peerId of raisedNow) this.announcement = { key: 'circle.handRaisedBy', name: this.nameOf(peerId) };
    });
    socket.on('room:active-speaker', ({ peerId }) => {
      this.activeSpeaker = peerId ?? undefined;
    });
    socket.on('room:peer-sending', ({ peerId, sending }) => {
      this.participants = this.participants.map((p) => (p.peerId === peerId ? { ...p, sending } : p));
    });
    socket.on('room:moderated', ({ action }) => {
      // The host switched it off at the SFU; our switch follows, and only we can turn it on again.
      if (action === 'mute' && this.micOn) this.#setMic(false, false);
      if (action === 'stop-video' && this.cameraOn) this.#setCamera(false, false);
      this.moderatedNotice = action;
    });
    socket.on('connect', () => void this.#onConnected());
    // Lost the server: say so at once; the room is taken again when the connection is back.
    socket.on('disconnect', () => {
      if (this.stage === 'room') this.connection = 'reconnecting';
    });
    socket.on('connect_error', (error) => {
      if (this.stage === 'room') this.connection = 'reconnecting';
      // Socket.IO does not try again after a refusal; places free up as other windows close or their connections lapse.
      if (error.message === 'rate_limited' && !socket.active) {
        this.tooManyConnections = true;
        clearTimeout(this.#refusedRetry);
        this.#refusedRetry = setTimeout(() => socket.connect(), REFUSED_RETRY_MS);
      }
    });
    this.#presenceTimer = setInterval(() => void this.#subscribePresence(), PRESENCE_REFRESH_MS);
    this.#qualityTimer = setInterval(() => void this.#pollQuality(), QUALITY_POLL_MS);
    // Clients see what confidentiality means, and its limits, once before their first session.
    this.stage = this.me.role === 'asn' && !this.me.consentAcceptedAt ? 'consent' : 'device-check';
  }

  async acceptConsent(): Promise<void> {
    try {
      this.me = await api.acceptConsent();
      this.stage = 'device-check';
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Counselor: tells the waiting client they are running late. */
  async sendLate(minutes: 5 | 10 | 15): Promise<boolean> {
    if (!this.#socket) return false;
    try {
      await request(this.#socket, 'lobby:late', { sessionId: this.#sessionId, minutes });
      return true;
    } catch (error) {
      this.error = this.#errorKey(error);
      return false;
    }
  }

  #videoView: { width: number; visible: boolean; onScreen?: ReadonlySet<string> } = { width: 1280, visible: true };

  /** The remote video tile's width, the page's visibility and whose videos have a tile (all when left out), for what the SFU sends. */
  async setVideoView(width: number, visible: boolean, onScreen?: ReadonlySet<string>): Promise<void> {
    this.#videoView = { width, visible, ...(onScreen ? { onScreen } : {}) };
    await this.#room?.setVideoView(width, visible, onScreen).catch(() => undefined);
  }

  async setMediaMode(mode: MediaMode): Promise<void> {
    this.mediaMode = mode;
    this.suggestAudioOnly = false;
    await this.#room?.setMediaMode(mode).catch((error: unknown) => {
      this.error = this.#errorKey(error);
    });
  }

  async #pollQuality(): Promise<void> {
    if (this.stage !== 'room' || !this.#room) return;
    const quality = await this.#room.quality().catch(() => undefined);
    if (!quality) return;
    this.quality = quality;
    if (this.isCircle) {
      const byPeer = await this.#room.peerQualities().catch(() => new Map<string, ConnectionQuality>());
      this.peerQuality = Object.fromEntries(byPeer);
    }
    this.#lossyPolls = quality.lossPercent > 10 ? this.#lossyPolls + 1 : 0;
    if (this.#lossyPolls >= 2 && this.mediaMode === 'full') this.suggestAudioOnly = true;
  }

  /** Panic: blank the screen and stop camera and microphone at once. */
  hide(): void {
    if (this.hidden) return;
    this.#beforeHiding = { micOn: this.micOn, cameraOn: this.cameraOn };
    this.hidden = true;
    if (this.micOn) this.toggleMic();
    if (this.cameraOn) this.toggleCamera();
  }

  /** Back from the panic cover: the session as it was. */
  restore(): void {
    if (!this.hidden) return;
    this.hidden = false;
    if (this.#beforeHiding.micOn && !this.micOn) this.toggleMic();
    if (this.#beforeHiding.cameraOn && !this.cameraOn) this.toggleCamera();
  }

  /** The device check passed: counselors open the room, clients knock at the lobby. */
  async devicesReady(stream: MediaStream): Promise<void> {
    this.localStream = stream;
    if (this.isCounselor) {
      await this.#joinRoom();
      await this.#refreshQueue();
    } else {
      this.stage = 'lobby';
      await this.#knock();
    }
  }

  async admit(userId: string): Promise<void> {
    if (!this.#socket) return;
    try {
      await request(this.#socket, 'lobby:admit', { sessionId: this.#sessionId, userId });
      this.lobbyQueue = this.lobbyQueue.filter((e) => e.userId !== userId);
    } catch (error) {
      this.error = this.#errorKey(error);
    }
  }

  /** Host: lets everyone who waits in. */
  async admitAll(): Promise<void> {
    if (!this.#socket) return;
    try {
      await request(this.#socket, 'lobby:admit-all', { sessionId: this.#sessionId });
      this.lobbyQueue = [];
    } catch (error) {
      this.error = this.#errorKey(error);
    }
  }

  async toggleHand(): Promise<void> {
    const floor = await this.#floorRequest('room:raise-hand', { raised: !this.handRaised(this.myPeerId) });
    if (floor) this.floor = floor;
  }

  /** Facilitator: mute, stop video, lower a hand, or remove someone (the group re-keys without them). */
  async moderate(peerId: string, action: ModerationAction): Promise<void> {
    await this.#floorRequest('room:moderate', { peerId, action });
  }

  async muteAll(): Promise<void> {
    await this.#floorRequest('room:mute-all', {});
  }

  async setLocked(locked: boolean): Promise<void> {
    const floor = await this.#floorRequest('room:lock', { locked });
    if (floor) this.floor = floor;
  }

  /** Host: ends the session for everyone. */
  async endForAll(): Promise<void> {
    await this.#floorRequest('room:end', {});
  }

  /** A request about the room's floor; a refusal shows as the page's error line. */
  async #floorRequest<E extends 'room:raise-hand' | 'room:moderate' | 'room:mute-all' | 'room:lock' | 'room:end'>(
    event: E,
    payload: RequestPayload<E>,
  ): Promise<ResponseData<E> | undefined> {
    if (!this.#socket) return undefined;
    try {
      return await request(this.#socket, event, payload);
    } catch (error) {
      this.error = this.#errorKey(error);
      return undefined;
    }
  }

  /** A reaction travels end-to-end encrypted like chat, and shows on our own tile too. */
  async react(reaction: Reaction): Promise<void> {
    const e2ee = this.e2ee;
    if (!e2ee) return;
    const id = crypto.randomUUID();
    this.#showReaction({ id, peerId: this.myPeerId ?? '', reaction });
    await e2ee.send({ kind: 'reaction', id, reaction }).catch(() => undefined);
  }

  #showReaction(shown: ShownReaction): void {
    if (this.reactions.some((r) => r.id === shown.id)) return;
    this.reactions = [...this.reactions, shown];
    setTimeout(() => {
      this.reactions = this.reactions.filter((r) => r.id !== shown.id);
    }, REACTION_SHOWN_MS);
  }

  /** Chat goes end-to-end encrypted, as an MLS application message; the server relays bytes. */
  async sendChat(text: string): Promise<boolean> {
    const e2ee = this.e2ee;
    if (!e2ee || !text.trim()) return false;
    const id = crypto.randomUUID();
    const line: ChatLine = { id, mine: true, text: text.trim(), sentAt: new Date().toISOString() };
    this.chat = [...this.chat, line];
    try {
      const { sentAt } = await e2ee.send({ kind: 'chat', id, text: line.text });
      this.chat = this.chat.map((l) => (l.id === id ? { ...l, sentAt } : l));
      return true;
    } catch {
      this.chat = this.chat.map((l) => (l.id === id ? { ...l, failed: true } : l));
      return false;
    }
  }

  /** Client: gives the counselor an emergency contact, end-to-end encrypted, for this session only. */
  async shareEmergencyContact(contact: { name: string; phone: string; relation: string }): Promise<MessageKey | undefined> {
    const e2ee = this.e2ee;
    if (!e2ee) return 'errors.unavailable';
    try {
      await e2ee.send({ kind: 'emergency-contact', id: crypto.randomUUID(), ...contact });
      this.emergencyShared = true;
      return undefined;
    } catch (error) {
      return this.#errorKey(error);
    }
  }

  toggleMic(): void {
    this.#setMic(!this.micOn, true);
  }

  toggleCamera(): void {
    this.#setCamera(!this.cameraOn, true);
  }

  #setMic(on: boolean, tellServer: boolean): void {
    this.micOn = on;
    if (on) this.moderatedNotice = undefined;
    this.#room?.setTrackEnabled('audio', on);
    if (tellServer) void this.#reportSending();
  }

  #setCamera(on: boolean, tellServer: boolean): void {
    this.cameraOn = on;
    if (on) this.moderatedNotice = undefined;
    this.#room?.setTrackEnabled('video', on);
    if (tellServer) void this.#reportSending();
  }

  /** The SFU forwards only what we have switched on, and the others see who is muted. */
  async #reportSending(): Promise<void> {
    if (!this.#socket?.connected || this.stage !== 'room') return;
    await request(this.#socket, 'room:set-sending', { audio: this.micOn, video: this.cameraOn }).catch(() => undefined);
  }

  async leave(): Promise<void> {
    await this.#room?.leave().catch(() => undefined);
    this.#room = undefined;
    this.participants = [];
    this.stage = 'left';
    this.#stopLocal();
  }

  async rejoin(): Promise<void> {
    this.closedReason = undefined;
    await this.#joinRoom();
  }

  /** Media statistics of what we receive (used by the connection indicator and tests). */
  inboundStats(): Promise<RTCStatsReport[]> {
    return this.#room?.inboundStats() ?? Promise.resolve([]);
  }

  destroy(): void {
    clearTimeout(this.#refusedRetry);
    if (this.#presenceTimer) clearInterval(this.#presenceTimer);
    if (this.#qualityTimer) clearInterval(this.#qualityTimer);
    this.#room?.close();
    this.#socket?.disconnect();
    this.#stopLocal();
  }

  async #onConnected(): Promise<void> {
    this.tooManyConnections = false;
    await this.#subscribePresence();
    // After a reconnect the server has forgotten our place: take it again.
    if (this.stage === 'lobby') await this.#knock();
    if (this.stage === 'room' && this.#room) {
      this.#room.close();
      await this.#joinRoom();
    }
    if (this.isCounselor) await this.#refreshQueue();
  }

  async #subscribePresence(): Promise<void> {
    const other = this.other;
    if (!this.#socket?.connected || !other) return;
    try {
      const states = await request(this.#socket, 'presence:subscribe', { userIds: [other.id] });
      this.otherOnline = states.find((s) => s.userId === other.id)?.online ?? false;
    } catch {
      // Presence is a courtesy; the session works without it.
    }
  }

  async #knock(): Promise<void> {
    if (!this.#socket?.connected) return;
    try {
      const { admitted } = await request(this.#socket, 'lobby:knock', { sessionId: this.#sessionId });
      this.refused = undefined;
      if (admitted) await this.#joinRoom();
    } catch (error) {
      if (error instanceof ApiError && error.code === 'room_locked') {
        this.refused = 'locked';
        return;
      }
      this.#fail(error);
    }
  }

  /** Waiting after the room was locked: ask again (the host may have unlocked it). */
  async knockAgain(): Promise<void> {
    await this.#knock();
  }

  async #refreshQueue(): Promise<void> {
    if (!this.#socket?.connected) return;
    try {
      this.lobbyQueue = await request(this.#socket, 'lobby:watch', { sessionId: this.#sessionId });
    } catch {
      this.lobbyQueue = [];
    }
  }

  async #joinRoom(): Promise<void> {
    if (!this.#socket || !this.localStream) return;
    this.stage = 'joining';
    this.#room?.close();
    this.participants = [];
    this.notSending = undefined;
    this.activeSpeaker = undefined;
    const e2ee = new E2eeSession(this.#socket, (fromPeerId, payload, sentAt) => {
      if (payload.kind === 'reaction') {
        this.#showReaction({ id: payload.id, peerId: fromPeerId, reaction: payload.reaction });
        this.announcement = { key: `reaction.${payload.reaction}.from`, name: this.nameOf(fromPeerId) };
        return;
      }
      if (payload.kind === 'emergency-contact') {
        // Shown to the counselor for this session only; never stored.
        if (this.isCounselor) this.emergencyContact = { name: payload.name, phone: payload.phone, relation: payload.relation, sentAt };
        return;
      }
      // A resent message (after a rekey) shows once; the chat log is a polite live region.
      if (this.chat.some((line) => line.id === payload.id)) return;
      this.chat = [...this.chat, { id: payload.id, mine: false, from: this.nameOf(fromPeerId), text: payload.text, sentAt }];
    }, this.me ? { ownerId: this.me.id, accountOf: (peerId) => this.#accounts.get(peerId) } : undefined);
    this.e2ee = e2ee;
    const room = new RoomClient(this.#socket, e2ee, {
      onNotSending: (what) => {
        this.notSending = this.notSending === undefined || this.notSending === what ? what : 'all';
      },
      onPeerJoined: (peer) => this.#peerJoined(peer),
      onPeerLeft: (peerId) => {
        const gone = this.participants.find((p) => p.peerId === peerId);
        if (!gone) return;
        this.announcement = { key: 'room.otherLeft', name: gone.displayName };
        this.participants = this.participants.filter((p) => p.peerId !== peerId);
        if (!this.isCircle) this.otherLeft = true;
      },
      onTrack: (peerId, track) => {
        if (track.kind === 'video') void room.setVideoView(this.#videoView.width, this.#videoView.visible, this.#videoView.onScreen).catch(() => undefined);
        this.#updateParticipant(peerId, (p) => {
          p.stream.addTrack(track);
        });
      },
      onTrackEnded: (peerId, kind) => {
        this.#updateParticipant(peerId, (p) => {
          for (const track of kind === 'video' ? p.stream.getVideoTracks() : p.stream.getAudioTracks()) p.stream.removeTrack(track);
        });
      },
      onConnectionState: (state) => {
        this.connection = state;
      },
      onClosed: (reason) => {
        this.closedReason = reason;
        this.participants = [];
        if (reason === 'media_failure') void this.#joinRoom();
        if (reason === 'removed' || reason === 'ended') {
          this.#room = undefined;
          this.stage = reason;
          this.#stopLocal();
        }
      },
    });
    this.#room = room;
    try {
      const sending = { audio: this.micOn && !this.hidden, video: this.cameraOn && !this.hidden };
      // Under a pseudonym, a key made for this visit: the device's key would link one's pseudonyms across circles.
      const unlinkable = this.isCircle && (this.session?.circle?.pseudonymous ?? false) && !this.isCounselor;
      const joined = await room.join(this.#sessionId, this.localStream, sending, { unlinkable });
      this.myPeerId = joined.peerId;
      this.floor = joined.floor;
      // A rejoin keeps the person's choices: muted stays muted, audio-only stays audio-only.
      room.setTrackEnabled('audio', this.micOn && !this.hidden);
      room.setTrackEnabled('video', this.cameraOn && !this.hidden);
      if (this.mediaMode !== 'full') await room.setMediaMode(this.mediaMode);
      this.stage = 'room';
    } catch (error) {
      room.close();
      if (error instanceof ApiError && error.code === 'not_admitted') {
        this.stage = 'lobby';
        return;
      }
      this.#fail(error);
    }
  }

  #peerJoined(peer: PeerView): void {
    this.e2ee?.peerPresent(peer.peerId);
    if (peer.userId) this.#accounts.set(peer.peerId, peer.userId);
    const known = this.participants.find((p) => p.peerId === peer.peerId);
    if (known) return;
    this.participants = [
      ...this.participants,
      { peerId: peer.peerId, displayName: peer.displayName, host: peer.host, sending: peer.sending, stream: new MediaStream(), hasVideo: false },
    ];
    this.announcement = { key: 'room.otherJoined', name: peer.displayName };
    this.otherLeft = false;
  }

  #updateParticipant(peerId: string, change: (p: RemoteParticipant) => void): void {
    this.participants = this.participants.map((p) => {
      if (p.peerId !== peerId) return p;
      change(p);
      return { ...p, hasVideo: p.stream.getVideoTracks().length > 0 };
    });
  }

  #stopLocal(): void {
    for (const track of this.localStream?.getTracks() ?? []) track.stop();
    this.localStream = undefined;
  }

  #errorKey(error: unknown): MessageKey {
    return error instanceof ApiError ? (`errors.${error.code}` as MessageKey) : 'errors.internal';
  }

  #fail(error: unknown): void {
    this.error = this.#errorKey(error);
    this.stage = 'error';
  }
}
