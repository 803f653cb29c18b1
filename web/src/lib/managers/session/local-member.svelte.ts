import type { MediaMode, SendingState, ServerEventPayload } from '@care/shared';
import type { CameraSwitch } from '../../media/camera-switch.js';
import type { RoomClient } from '../../rtc/room-client.js';
import type { ServerLink } from '../../socket/socket-client.js';

/** What of ours is not being sent because it could not be encrypted: everything, or one track whose encryption did not start. */
export type NotSending = 'all' | 'audio' | 'video';

/** What the host switched off for us. */
export type ModeratedNotice = ServerEventPayload<'room:moderated'>['action'];

/** The room's media as far as our own side goes: our tracks, our mode, how remote video is shown. */
export type LocalMedia = Pick<RoomClient, 'setTrackEnabled' | 'setMediaMode' | 'setVideoView'>;

/** How the remote video is shown: its tile's width, the page's visibility, whose videos have a tile (undefined: everyone's). */
export interface VideoView {
  width: number;
  visible: boolean;
  onScreen: ReadonlySet<string> | undefined;
}

/** The camera device itself: let go of when switched off, opened again when on (`CameraSwitch`). */
export type CameraDevice = Pick<CameraSwitch, 'on' | 'off'>;

export interface LocalMemberDeps {
  link: ServerLink;
  /** Without one (a unit test), the switch acts on the track alone. */
  camera?: CameraDevice;
  /** Whether we are in the room now (the server is told our switches only then). */
  inRoom: () => boolean;
  onError: (error: unknown) => void;
}

/**
 * This person in the room: our peer id, camera and microphone and their
 * switches, the media mode we chose, the panic cover, what the host switched
 * off, and what cannot be sent because it could not be encrypted. The
 * room's media follows these switches while there is one.
 */
export class LocalMember {
  /** Our own peer id in the current room visit. */
  peerId = $state<string | undefined>(undefined);
  micOn = $state(true);
  cameraOn = $state(true);
  /** Switched on, the camera is being opened again. */
  cameraStarting = $state(false);
  /** The camera could not be opened again (taken by another app, unplugged, permission withdrawn). */
  cameraFailed = $state(false);
  /** The panic cover is up: screen blanked, camera and microphone off. */
  hidden = $state(false);
  /** Low-bandwidth mode: full, receive less, audio only, or chat only. */
  mediaMode = $state<MediaMode>('full');
  notSending = $state<NotSending | undefined>(undefined);
  /** The host switched our microphone or camera off (shown until we act). */
  moderatedNotice = $state<ModeratedNotice | undefined>(undefined);
  /** Our camera and microphone from the device check (read by the page once the room shows). */
  stream: MediaStream | undefined;
  #beforeHiding = { micOn: true, cameraOn: true };
  #videoView: VideoView = { width: 1280, visible: true, onScreen: undefined };
  #media: LocalMedia | undefined;

  constructor(private readonly deps: LocalMemberDeps) {}

  /** What we send on entering the room: what we have switched on, nothing while hidden. */
  get sending(): SendingState {
    return { audio: this.micOn && !this.hidden, video: this.cameraOn && !this.hidden };
  }

  /** How the remote video is shown (the width of its tile, whether the page is visible, whose videos have a tile). */
  get videoView(): VideoView {
    return this.#videoView;
  }

  /** The room's media our switches act on from now on (none after leaving). */
  use(media: LocalMedia | undefined): void {
    this.#media = media;
  }

  /** In the room: our tracks as we left them, and the mode we chose (a rejoin keeps muted muted, audio-only audio-only). */
  async entered(peerId: string, media: LocalMedia): Promise<void> {
    this.peerId = peerId;
    const { audio, video } = this.sending;
    media.setTrackEnabled('audio', audio);
    media.setTrackEnabled('video', video);
    if (this.mediaMode !== 'full') await media.setMediaMode(this.mediaMode);
  }

  toggleMic(): void {
    this.#setMic(!this.micOn, true);
  }

  toggleCamera(): void {
    this.#setCamera(!this.cameraOn, true);
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

  async setMediaMode(mode: MediaMode): Promise<void> {
    this.mediaMode = mode;
    await this.#media?.setMediaMode(mode).catch((error: unknown) => this.deps.onError(error));
  }

  /**
   * The remote video tile's width, the page's visibility and whose videos have
   * a tile (everyone's when undefined), for what the SFU sends. `onScreen` is
   * compared as a set, not by content: the page makes a new one only when who
   * is shown changed.
   */
  async setVideoView(width: number, visible: boolean, onScreen?: ReadonlySet<string>): Promise<void> {
    const view = this.#videoView;
    if (width === view.width && visible === view.visible && onScreen === view.onScreen) return;
    this.#videoView = { width, visible, onScreen };
    await this.#media?.setVideoView(width, visible, onScreen).catch(() => undefined);
  }

  /** The host switched it off at the SFU; our switch follows, and only we can turn it on again. */
  moderated(action: ModeratedNotice): void {
    if (action === 'mute' && this.micOn) this.#setMic(false, false);
    if (action === 'stop-video' && this.cameraOn) this.#setCamera(false, false);
    this.moderatedNotice = action;
  }

  /** Something of ours could not be encrypted and is not sent: one track, or (two in turn, or no support) all. */
  couldNotEncrypt(what: NotSending): void {
    this.notSending = this.notSending === undefined || this.notSending === what ? what : 'all';
  }

  stopStream(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
  }

  #setMic(on: boolean, tellServer: boolean): void {
    this.micOn = on;
    if (on) this.moderatedNotice = undefined;
    this.#media?.setTrackEnabled('audio', on);
    if (tellServer) void this.#reportSending();
  }

  /**
   * Off: held back at the SFU, then the device is let go of (its light goes
   * out). On: the device opens first, and only then does the track go out
   * (a producer resumed on no track would look, to the transform check,
   * like one that is not being encrypted).
   */
  #setCamera(on: boolean, tellServer: boolean): void {
    this.cameraOn = on;
    this.cameraFailed = false;
    if (on) this.moderatedNotice = undefined;
    const camera = this.deps.camera;
    if (!on || !camera) {
      this.cameraStarting = false;
      this.#media?.setTrackEnabled('video', on);
      if (!on) camera?.off();
      if (tellServer) void this.#reportSending();
      return;
    }
    this.cameraStarting = true;
    camera.on().then(
      (stillOn) => {
        if (!stillOn) return;
        this.cameraStarting = false;
        this.#media?.setTrackEnabled('video', true);
        if (tellServer) void this.#reportSending();
      },
      (error: unknown) => {
        if (!this.cameraOn || !this.cameraStarting) return;
        console.warn('camera could not be opened again', error);
        this.cameraStarting = false;
        this.cameraOn = false;
        this.cameraFailed = true;
      },
    );
  }

  /** The session starts with the camera off (a circle, voice only): the device is let go of from the start. */
  releaseCameraIfOff(): void {
    if (!this.cameraOn || this.hidden) this.deps.camera?.off();
  }

  /** The SFU forwards only what we have switched on, and the others see who is muted. */
  async #reportSending(): Promise<void> {
    if (!this.deps.link.connected || !this.deps.inRoom()) return;
    await this.deps.link.request('room:set-sending', { audio: this.micOn, video: this.cameraOn }).catch(() => undefined);
  }
}
