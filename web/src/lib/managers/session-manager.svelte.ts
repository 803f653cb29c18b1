import type { AppointmentView, CurrentUser, LobbyEntry, MediaMode } from '@care/shared';
import { api } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { E2eeSession } from '../e2ee/e2ee-session.svelte.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { RoomClient, type ConnectionQuality, type MediaConnectionState } from '../rtc/room-client.js';
import { connectSocket, request, type AppSocket } from '../socket/socket-client.js';

export type SessionStage = 'loading' | 'consent' | 'device-check' | 'lobby' | 'joining' | 'room' | 'left' | 'error';

export interface ChatLine {
  id: string;
  mine: boolean;
  text: string;
  sentAt: string;
  failed?: boolean;
}

export interface RemoteParticipant {
  peerId: string;
  displayName: string;
  stream: MediaStream;
  hasVideo: boolean;
}

const PRESENCE_REFRESH_MS = 20_000;
const QUALITY_POLL_MS = 2000;

/**
 * One person's path through a 1:1 session: device check, the lobby (for the
 * client) or the waiting list (for the counselor), the room with its media
 * and chat, and leaving. The page only renders this state.
 */
export class SessionManager {
  stage = $state<SessionStage>('loading');
  me = $state<CurrentUser | undefined>(undefined);
  appointment = $state<AppointmentView | undefined>(undefined);
  otherOnline = $state<boolean | undefined>(undefined);
  lobbyQueue = $state<LobbyEntry[]>([]);
  remote = $state<RemoteParticipant | undefined>(undefined);
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
  /** Our camera and microphone are not being sent (encryption not possible or not started). */
  notSending = $state(false);
  /** The counselor said they are running late (minutes), shown in the lobby. */
  lateMinutes = $state<number | undefined>(undefined);
  /** Low-bandwidth mode: full, audio only, or chat only. */
  mediaMode = $state<MediaMode>('full');
  /** What we receive, from live statistics. */
  quality = $state<ConnectionQuality | undefined>(undefined);
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
  closedReason = $state<'replaced' | 'media_failure' | 'ended' | undefined>(undefined);

  localStream: MediaStream | undefined;
  #socket: AppSocket | undefined;
  #room: RoomClient | undefined;
  #presenceTimer: ReturnType<typeof setInterval> | undefined;
  #appointmentId = '';

  get isCounselor(): boolean {
    return this.me?.role === 'counselor';
  }

  get other(): { id: string; displayName: string } | undefined {
    if (!this.appointment || !this.me) return undefined;
    return this.isCounselor ? this.appointment.client : this.appointment.counselor;
  }

  async init(appointmentId: string): Promise<void> {
    this.#appointmentId = appointmentId;
    try {
      [this.me, this.appointment] = await Promise.all([api.me(), api.appointment(appointmentId)]);
    } catch (error) {
      this.#fail(error);
      return;
    }
    const socket = connectSocket();
    this.#socket = socket;
    socket.on('presence:update', ({ userId, online }) => {
      if (userId === this.other?.id) this.otherOnline = online;
    });
    socket.on('lobby:knock', (entry) => {
      if (entry.appointmentId !== appointmentId) return;
      this.lobbyQueue = [...this.lobbyQueue.filter((e) => e.userId !== entry.userId), entry];
      this.announcement = { key: 'lobby.knocked', name: entry.displayName };
    });
    socket.on('lobby:left', ({ userId }) => {
      this.lobbyQueue = this.lobbyQueue.filter((e) => e.userId !== userId);
    });
    socket.on('lobby:late', ({ appointmentId: lateFor, minutes }) => {
      if (lateFor === appointmentId) this.lateMinutes = minutes;
    });
    socket.on('lobby:admitted', ({ appointmentId: admittedTo }) => {
      if (admittedTo === appointmentId && this.stage === 'lobby') void this.#joinRoom();
    });
    socket.on('connect', () => void this.#onConnected());
    // Lost the server: say so at once; the room is taken again when the connection is back.
    socket.on('disconnect', () => {
      if (this.stage === 'room') this.connection = 'reconnecting';
    });
    socket.on('connect_error', () => {
      if (this.stage === 'room') this.connection = 'reconnecting';
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
      await request(this.#socket, 'lobby:late', { appointmentId: this.#appointmentId, minutes });
      return true;
    } catch (error) {
      this.error = this.#errorKey(error);
      return false;
    }
  }

  #videoView = { width: 1280, visible: true };

  /** The remote video tile's width and the page's visibility, for the layer the SFU sends. */
  async setVideoView(width: number, visible: boolean): Promise<void> {
    if (width === this.#videoView.width && visible === this.#videoView.visible) return;
    this.#videoView = { width, visible };
    await this.#room?.setVideoView(width, visible).catch(() => undefined);
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
      await request(this.#socket, 'lobby:admit', { appointmentId: this.#appointmentId, userId });
      this.lobbyQueue = this.lobbyQueue.filter((e) => e.userId !== userId);
    } catch (error) {
      this.error = this.#errorKey(error);
    }
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
    this.micOn = !this.micOn;
    this.#room?.setTrackEnabled('audio', this.micOn);
  }

  toggleCamera(): void {
    this.cameraOn = !this.cameraOn;
    this.#room?.setTrackEnabled('video', this.cameraOn);
  }

  async leave(): Promise<void> {
    await this.#room?.leave().catch(() => undefined);
    this.#room = undefined;
    this.remote = undefined;
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
    if (this.#presenceTimer) clearInterval(this.#presenceTimer);
    if (this.#qualityTimer) clearInterval(this.#qualityTimer);
    this.#room?.close();
    this.#socket?.disconnect();
    this.#stopLocal();
  }

  async #onConnected(): Promise<void> {
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
      const { admitted } = await request(this.#socket, 'lobby:knock', { appointmentId: this.#appointmentId });
      if (admitted) await this.#joinRoom();
    } catch (error) {
      this.#fail(error);
    }
  }

  async #refreshQueue(): Promise<void> {
    if (!this.#socket?.connected) return;
    try {
      this.lobbyQueue = await request(this.#socket, 'lobby:watch', { appointmentId: this.#appointmentId });
    } catch {
      this.lobbyQueue = [];
    }
  }

  async #joinRoom(): Promise<void> {
    if (!this.#socket || !this.localStream) return;
    this.stage = 'joining';
    this.#room?.close();
    this.remote = undefined;
    this.notSending = false;
    const e2ee = new E2eeSession(this.#socket, (_fromPeerId, payload, sentAt) => {
      if (payload.kind === 'emergency-contact') {
        // Shown to the counselor for this session only; never stored.
        if (this.isCounselor) this.emergencyContact = { name: payload.name, phone: payload.phone, relation: payload.relation, sentAt };
        return;
      }
      // A resent message (after a rekey) shows once; the chat log is a polite live region.
      if (this.chat.some((line) => line.id === payload.id)) return;
      this.chat = [...this.chat, { id: payload.id, mine: false, text: payload.text, sentAt }];
    });
    this.e2ee = e2ee;
    const room = new RoomClient(this.#socket, e2ee, {
      onNotSending: () => {
        this.notSending = true;
      },
      onPeerJoined: (peer) => {
        this.remote = { peerId: peer.peerId, displayName: peer.displayName, stream: new MediaStream(), hasVideo: false };
        this.announcement = { key: 'room.otherJoined', name: peer.displayName };
        this.otherLeft = false;
      },
      onPeerLeft: (peerId) => {
        if (this.remote?.peerId !== peerId) return;
        this.announcement = { key: 'room.otherLeft', name: this.remote.displayName };
        this.remote = undefined;
        this.otherLeft = true;
      },
      onTrack: (peerId, track) => {
        if (track.kind === 'video') void room.setVideoView(this.#videoView.width, this.#videoView.visible).catch(() => undefined);
        if (!this.remote || this.remote.peerId !== peerId) return;
        this.remote.stream.addTrack(track);
        this.remote = { ...this.remote, hasVideo: this.remote.stream.getVideoTracks().length > 0 };
      },
      onTrackEnded: (peerId, kind) => {
        if (!this.remote || this.remote.peerId !== peerId) return;
        for (const track of kind === 'video' ? this.remote.stream.getVideoTracks() : this.remote.stream.getAudioTracks()) {
          this.remote.stream.removeTrack(track);
        }
        this.remote = { ...this.remote, hasVideo: this.remote.stream.getVideoTracks().length > 0 };
      },
      onConnectionState: (state) => {
        this.connection = state;
      },
      onClosed: (reason) => {
        this.closedReason = reason;
        this.remote = undefined;
        if (reason === 'media_failure') void this.#joinRoom();
      },
    });
    this.#room = room;
    try {
      await room.join(this.#appointmentId, this.localStream);
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
