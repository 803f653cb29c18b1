import type { CurrentUser, MediaMode, RoomClosedReason, RoomJoined, SessionView } from '@care/shared';
import { api } from '../api/api-client.js';
import { ApiError } from '../api/api-error.js';
import { E2eeSession } from '../e2ee/e2ee-session.svelte.js';
import { MessageSequence } from '../e2ee/message-sequence.js';
import { groupCensus, type GroupCensus } from '../e2ee/group-census.js';
import type { MessageKey } from '../i18n/i18n.svelte.js';
import { RoomClient, type RoomVisit } from '../rtc/room-client.js';
import { connectSocket, serverLink, type AppSocket } from '../socket/socket-client.js';
import { subscribe, type Unsubscribe } from '../socket/socket-subscription.js';
import { CameraSwitch } from '../media/camera-switch.js';
import { BackgroundManager } from './background-manager.svelte.js';
import { errorKey } from './schedule-format.js';
import { CallConnection } from './session/call-connection.svelte.js';
import { LocalMember } from './session/local-member.svelte.js';
import { RemoteParticipants } from './session/remote-participants.svelte.js';
import { RoomFloor } from './session/room-floor.svelte.js';
import { ScreenShare } from './session/screen-share.svelte.js';
import { SessionLobby } from './session/session-lobby.svelte.js';
import { SessionMessages } from './session/session-messages.svelte.js';
import { SessionPlan } from '../plan/session-plan.svelte.js';

export type SessionStage = 'loading' | 'consent' | 'device-check' | 'lobby' | 'joining' | 'room' | 'left' | 'ended' | 'removed' | 'error';

const PRESENCE_REFRESH_MS = 20_000;
const QUALITY_POLL_MS = 2000;
/** After the server refused the connection (too many of this person's), try again this much later. */
const REFUSED_RETRY_MS = 10_000;
/**
 * Refused a seat because another signal node serves the session
 * ('wrong_node': a balancer that does not hash on the socket's `route`):
 * connect again after a short random pause, for the balancer to pick anew,
 * at most this many times in a row.
 */
const REROUTE_PAUSE_MS = { min: 200, spread: 600 };
const REROUTE_LIMIT = 25;
/**
 * The longest the room's view waits for the consumers being answered (a
 * renegotiation takes tens of milliseconds, on a slow phone a hundred or
 * two): past it something is wrong, and the page shows the room regardless.
 */
const VIEW_WAITS_FOR_ANSWERS_MS = 300;

/**
 * One person's path through a session, 1:1 or a circle meeting: device
 * check, the lobby (for participants) or the waiting list (for the host),
 * the room, and leaving. It holds the stage and the connection, hears the
 * server once and hands each event to the part it concerns — the lobby,
 * this person (`local`), everyone else (`participants`), the floor, the
 * messages, the call's connection — and sets up each room visit's media
 * and end-to-end encryption. The page only renders this state.
 */
export class SessionManager {
  stage = $state<SessionStage>('loading');
  me = $state<CurrentUser | undefined>(undefined);
  session = $state<SessionView | undefined>(undefined);
  error = $state<MessageKey | undefined>(undefined);
  /** The latest event a screen reader should hear (someone knocked, joined, left). */
  announcement = $state<{ key: MessageKey; name: string } | undefined>(undefined);
  /** The end-to-end encryption of the current room visit (lock state, safety code). */
  e2ee = $state<E2eeSession | undefined>(undefined);
  /** Why the room ended for us, when the server ended it. */
  closedReason = $state<RoomClosedReason | undefined>(undefined);
  /** The server refused our connection: this person holds too many already (other windows); we try again. */
  tooManyConnections = $state(false);

  #socket: AppSocket | undefined;
  #room: RoomClient | undefined;
  /** In the lobby: how far the page's preparation for being let in has got (undefined: none made). */
  #roomPrepared: 'preparing' | 'ready' | 'failed' | undefined;
  #sessionId = '';
  #unsubscribe: Unsubscribe | undefined;
  #timers: Array<ReturnType<typeof setInterval>> = [];
  #refusedRetry: ReturnType<typeof setTimeout> | undefined;
  #rerouteTimer: ReturnType<typeof setTimeout> | undefined;
  /** Reconnections in a row after 'wrong_node', and whether the room is to be joined once connected. */
  #reroutes = 0;
  #joinOnConnect = false;
  readonly #link = serverLink(() => this.#socket);
  /** What the parts share: the connection's requests, the live region, the error line, names and our peer id. */
  readonly #shared = {
    link: this.#link,
    announce: (key: MessageKey, name: string) => {
      this.announcement = { key, name };
    },
    onError: (error: unknown) => {
      this.error = errorKey(error);
    },
    nameOf: (peerId: string) => this.nameOf(peerId),
    myPeerId: () => this.local.peerId,
  };

  readonly lobby = new SessionLobby({ ...this.#shared, sessionId: () => this.#sessionId, other: () => this.other });
  readonly local = new LocalMember({
    ...this.#shared,
    inRoom: () => this.stage === 'room',
    // Late-bound: the background manager, which holds the camera's track, is made below.
    camera: { on: () => this.#camera.on(), off: () => this.#camera.off() },
  });
  readonly participants = new RemoteParticipants({ ...this.#shared, oneToOne: () => !this.isCircle });
  readonly floor = new RoomFloor(this.#shared);
  /** The improvement plan, co-edited in a 1:1 (none in a circle). */
  readonly plan = new SessionPlan({
    channel: () => this.e2ee,
    role: () => (!this.session || this.isCircle ? undefined : this.isCounselor ? 'counselor' : 'asn'),
    accountId: () => this.me?.id,
  });
  readonly messages = new SessionMessages({
    ...this.#shared,
    channel: () => this.e2ee,
    isHost: () => this.isCounselor,
    isCircle: () => this.isCircle,
    plan: (payload) => this.plan.received(payload),
  });
  /** What this page sent and received over MLS, numbered: kept across reconnects (each a new room visit) so missed lines are sent again. */
  readonly #sequence = new MessageSequence();
  readonly connection = new CallConnection({ announce: this.#shared.announce });
  readonly screen = new ScreenShare({ ...this.#shared, isHost: () => this.isCounselor, isCircle: () => this.isCircle });
  /** Background blur on our camera; should it break down in a call, the camera goes off rather than show what it hid. */
  readonly background = new BackgroundManager({
    onFailed: () => {
      if (this.local.cameraOn) this.local.toggleCamera();
    },
  });

  /** The camera device follows the camera switch: let go of when off, opened again when on. */
  readonly #camera = new CameraSwitch(this.background);

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
      this.local.peerId,
      this.participants.list.map((p) => p.peerId),
    );
  }

  /** The peers who hold this room's group key with us (empty until this device holds it). */
  get groupOthers(): string[] {
    const e2ee = this.e2ee;
    if (!e2ee || (e2ee.state !== 'encrypted' && e2ee.state !== 'verified')) return [];
    return e2ee.members.map((m) => m.participantId).filter((id) => id !== this.local.peerId);
  }

  nameOf(peerId: string): string {
    if (peerId === this.local.peerId) return this.session?.me.displayName ?? '';
    return this.participants.find(peerId)?.displayName ?? this.other?.displayName ?? '';
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
    if (this.isCircle) this.local.cameraOn = false;
    const socket = connectSocket({ route: sessionId });
    this.#socket = socket;
    this.#unsubscribe = subscribe(socket, {
      'presence:update': (presence) => this.lobby.presenceChanged(presence),
      'lobby:knock': (entry) => this.lobby.knocked(entry),
      'lobby:left': ({ userId }) => this.lobby.left(userId),
      'lobby:late': (notice) => this.lobby.late(notice),
      'lobby:admitted': (notice) => {
        if (this.lobby.concerns(notice) && this.stage === 'lobby') void this.#enterRoom();
      },
      'lobby:refused': (notice) => {
        if (!this.lobby.concerns(notice) || this.stage !== 'lobby') return;
        this.lobby.refused = notice.reason;
        // Turned away: what was prepared goes (the server has dropped it too).
        this.#dropPreparation();
        if (notice.reason === 'ended') this.stage = 'ended';
      },
      'room:floor': (floor) => this.floor.changed(floor),
      'room:active-speaker': (speaker) => this.participants.speakerChanged(speaker),
      'room:peer-sending': (sending) => this.participants.sendingChanged(sending),
      'room:moderated': ({ action }) => this.local.moderated(action),
      'room:share-permission': (permission) => this.screen.permissionChanged(permission),
      connect: () => void this.#onConnected(),
      // Lost the server: say so at once; the room is taken again when the connection is back.
      disconnect: (reason) => {
        if (this.stage === 'room') this.connection.state = 'reconnecting';
        console.warn(`lost the connection to the server (${reason})`);
      },
      connect_error: (error) => {
        if (this.stage === 'room') this.connection.state = 'reconnecting';
        // Socket.IO does not try again after a refusal; places free up as other windows close or their connections lapse.
        if (error.message === 'rate_limited' && !socket.active) {
          this.tooManyConnections = true;
          clearTimeout(this.#refusedRetry);
          this.#refusedRetry = setTimeout(() => socket.connect(), REFUSED_RETRY_MS);
        }
      },
    });
    this.#timers = [
      setInterval(() => void this.lobby.refreshPresence(), PRESENCE_REFRESH_MS),
      setInterval(() => void this.#pollQuality(), QUALITY_POLL_MS),
    ];
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

  /** The device check passed (voice only: the camera stays off): counselors open the room, clients knock at the lobby. */
  async devicesReady(stream: MediaStream, { voiceOnly = false }: { voiceOnly?: boolean } = {}): Promise<void> {
    this.local.stream = stream;
    if (voiceOnly) this.local.cameraOn = false;
    if (this.isCounselor) {
      await this.#joinRoom();
      await this.lobby.refreshQueue();
    } else {
      this.stage = 'lobby';
      await this.#knock();
    }
  }

  /** Waiting after the room was locked: ask again (the host may have unlocked it). */
  async knockAgain(): Promise<void> {
    await this.#knock();
  }

  /** A chosen mode answers any offer, whichever it is. */
  async setMediaMode(mode: MediaMode): Promise<void> {
    this.connection.chose(mode);
    await this.local.setMediaMode(mode);
  }

  /** The weak-connection offer taken (voice only, or chat only), in the same encrypted session. */
  async acceptOffer(): Promise<void> {
    const mode = this.connection.accept();
    if (mode) await this.local.setMediaMode(mode);
  }

  /** Back from an offer taken: video and voice again. */
  async backToFull(): Promise<void> {
    await this.setMediaMode('full');
  }

  async leave(): Promise<void> {
    await this.#room?.leave().catch(() => undefined);
    this.#useRoom(undefined);
    this.participants.clear();
    this.stage = 'left';
    this.#stopCamera();
  }

  async rejoin(): Promise<void> {
    this.closedReason = undefined;
    await this.#joinRoom();
  }

  destroy(): void {
    clearTimeout(this.#refusedRetry);
    clearTimeout(this.#rerouteTimer);
    this.plan.stop();
    for (const timer of this.#timers) clearInterval(timer);
    this.#unsubscribe?.();
    this.#room?.close();
    this.#socket?.disconnect();
    this.#stopCamera();
  }

  async #pollQuality(): Promise<void> {
    if (this.stage !== 'room' || !this.#room) return;
    await this.connection.poll(this.#room, { perPeer: this.isCircle, mode: this.local.mediaMode });
  }

  async #onConnected(): Promise<void> {
    this.tooManyConnections = false;
    // Presence is a courtesy: the lobby and the room are taken again without waiting for its answer (a round trip).
    void this.lobby.refreshPresence();
    // After a reconnect the server has forgotten our place (and what the lobby prepared): take it again.
    if (this.stage === 'lobby') {
      this.#dropPreparation();
      await this.#knock();
    }
    if (this.stage === 'room' && this.#room) {
      this.#room.close();
      await this.#joinRoom();
    }
    if (this.#joinOnConnect) {
      this.#joinOnConnect = false;
      await this.#joinRoom();
    }
    if (this.isCounselor) await this.lobby.refreshQueue();
  }

  async #knock(): Promise<void> {
    try {
      if (await this.lobby.knock()) await this.#joinRoom();
      else if (!this.lobby.refused) this.#prepareInLobby();
    } catch (error) {
      this.#fail(error);
    }
  }

  #useRoom(room: RoomClient | undefined): void {
    this.#room = room;
    this.local.use(room);
    this.screen.use(room);
    this.background.sendTo(room ? (track) => room.replaceTrack('video', track) : undefined);
  }

  /** The session is over for this page: camera, microphone and the background effect. */
  #stopCamera(): void {
    this.local.stopStream();
    this.background.stop();
  }

  /**
   * While waiting, the page gets ready to be let in (RoomClient.prepare): the
   * host's click then costs little more than the MLS commit that adds us.
   * A preparation that fails is dropped; being let in then joins as before.
   */
  #prepareInLobby(): void {
    if (this.#room && this.#roomPrepared !== 'failed') return;
    const room = this.#newVisit();
    if (!room) return;
    this.#roomPrepared = 'preparing';
    this.lobby.prepared = false;
    room.prepare(this.#visit(), { keyPackage: true }).then(
      () => {
        if (this.#room !== room) return;
        this.#reroutes = 0;
        this.#roomPrepared = 'ready';
        this.lobby.prepared = true;
        this.#releaseCameraIfOff();
      },
      (error: unknown) => {
        if (this.#room !== room) return;
        this.#roomPrepared = 'failed';
        this.#dropPreparation();
        // Connected again, the lobby knocks and prepares anew (#onConnected).
        if (error instanceof ApiError && error.code === 'wrong_node') this.#reroute(false);
      },
    );
  }

  /**
   * A circle starts with the camera off, and its device check opens the
   * camera only for a preview the person asks for. Left open there, its
   * light goes out once the camera's producer is made (held paused), so the
   * camera coming on needs no renegotiation first, as in a 1:1. Never
   * opened, it has no producer until it is switched on (one made mid-circle
   * reaches every node too: tests/integration/host-pipe-mirror-while-opening).
   * Voice only lets go of the camera in the device check already.
   */
  #releaseCameraIfOff(): void {
    this.local.releaseCameraIfOff();
  }

  /** Whatever the lobby prepared goes (turned away, or it failed). */
  #dropPreparation(): void {
    if (this.stage !== 'lobby') return;
    this.#room?.close();
    this.#useRoom(undefined);
    this.#roomPrepared = undefined;
    this.lobby.prepared = false;
  }

  /** Let in: enters with what the lobby prepared, or joins afresh when nothing was (or it failed). */
  async #enterRoom(): Promise<void> {
    const room = this.#room;
    if (!room || this.#roomPrepared === undefined || this.#roomPrepared === 'failed') return this.#joinRoom();
    this.stage = 'joining';
    await this.#visitRoom(room, () => room.enter());
  }

  /** What this visit starts with: the session, our tracks and switches, and how we sign. */
  #visit(): RoomVisit {
    // Under a pseudonym, a key made for this visit: the device's key would link one's pseudonyms across circles.
    const unlinkable = this.isCircle && (this.session?.circle?.pseudonymous ?? false) && !this.isCounselor;
    return { sessionId: this.#sessionId, localStream: this.local.stream ?? new MediaStream(), sending: this.local.sending, unlinkable };
  }

  /** One visit of the room, prepared and entered at once (the host; someone already admitted; a reconnect or media restart). */
  async #joinRoom(): Promise<void> {
    if (!this.#socket || !this.local.stream) return;
    this.stage = 'joining';
    const room = this.#newVisit();
    if (!room) return;
    this.#roomPrepared = undefined;
    await this.#visitRoom(room, () => room.join(this.#visit()));
  }

  async #visitRoom(room: RoomClient, enter: () => Promise<RoomJoined>): Promise<void> {
    try {
      const joined = await enter();
      this.floor.set(joined.floor);
      await this.local.entered(joined.peerId, room);
      this.#releaseCameraIfOff();
      this.#reroutes = 0;
      // Building the room's view is one long task of the main thread. Made while a consumer's renegotiation is
      // under way, it held that renegotiation's answer (which is what starts the picture at the SFU) by as long.
      // Built after the answer, it is made while the first key frame travels, and ready when it arrives.
      await room.consumersAnswered(VIEW_WAITS_FOR_ANSWERS_MS);
      // Left, closed or replaced meanwhile: whatever did that has said where the page goes.
      if (this.#room !== room || this.stage !== 'joining') return;
      this.stage = 'room';
      void this.plan.start();
    } catch (error) {
      room.close();
      if (this.#room === room) this.#useRoom(undefined);
      this.#roomPrepared = undefined;
      if (error instanceof ApiError && error.code === 'not_admitted') {
        this.stage = 'lobby';
        return;
      }
      if (error instanceof ApiError && error.code === 'wrong_node' && this.#reroute(true)) return;
      this.#fail(error);
    }
  }

  /**
   * Another signal node serves this session: connect again (the balancer
   * picks anew) and take the lobby or the room there. False once it has
   * tried too often in a row (the page then says what happened).
   */
  #reroute(join: boolean): boolean {
    const socket = this.#socket;
    if (!socket || this.#reroutes >= REROUTE_LIMIT) return false;
    this.#reroutes += 1;
    this.#joinOnConnect = join;
    socket.disconnect();
    clearTimeout(this.#rerouteTimer);
    this.#rerouteTimer = setTimeout(() => socket.connect(), REROUTE_PAUSE_MS.min + Math.random() * REROUTE_PAUSE_MS.spread);
    return true;
  }

  /** A fresh room visit: its media and its end-to-end encryption, both new each time. */
  #newVisit(): RoomClient | undefined {
    if (!this.#socket || !this.local.stream) return undefined;
    this.#room?.close();
    this.participants.clear();
    this.participants.activeSpeaker = undefined;
    this.local.notSending = undefined;
    const trust = this.me ? { ownerId: this.me.id, accountOf: (peerId: string) => this.participants.accountOf(peerId) } : undefined;
    const e2ee = new E2eeSession(this.#socket, (fromPeerId, payload, sentAt) => this.messages.received(fromPeerId, payload, sentAt), trust, this.#sequence);
    this.e2ee = e2ee;
    const room = new RoomClient(this.#socket, e2ee, {
      onNotSending: (what) => this.local.couldNotEncrypt(what),
      onPeerJoined: (peer) => this.participants.joined(peer),
      onPeerLeft: (peerId) => this.participants.left(peerId),
      onTrack: (peerId, track, source) => {
        const view = this.local.videoView;
        if (track.kind === 'video') void room.setVideoView(view.width, view.visible, view.onScreen).catch(() => undefined);
        this.participants.trackAdded(peerId, track, source);
      },
      onTrackEnded: (peerId, source) => this.participants.trackEnded(peerId, source),
      onScreenShareEnded: (reason) => this.screen.stoppedByBrowser(reason),
      onConnectionState: (state) => {
        this.connection.state = state;
      },
      // Let in while waiting prepared: straight in, without waiting for `lobby:admitted` behind it.
      onEntered: () => {
        if (this.stage === 'lobby') void this.#enterRoom();
      },
      onClosed: (reason) => this.#roomClosed(reason),
    });
    this.#useRoom(room);
    return room;
  }

  #roomClosed(reason: RoomClosedReason): void {
    this.closedReason = reason;
    this.participants.clear();
    // The media restarted while we waited: prepare again on the fresh router.
    if (reason === 'media_failure' && this.stage === 'lobby') {
      this.#roomPrepared = undefined;
      this.#useRoom(undefined);
      this.#prepareInLobby();
      return;
    }
    if (reason === 'media_failure') void this.#joinRoom();
    if (reason === 'removed' || reason === 'ended') {
      this.#useRoom(undefined);
      this.stage = reason;
      this.#stopCamera();
    }
  }

  #fail(error: unknown): void {
    this.error = errorKey(error);
    this.stage = 'error';
  }
}
