import { sharesScreenByDefault, type ServerEventPayload } from '@care/shared';
import type { RoomClient } from '../../rtc/room-client.js';
import type { Announce } from './announce.js';

/** The room's media as far as our screen share goes. */
export type ScreenMedia = Pick<RoomClient, 'shareScreen' | 'stopScreenShare' | 'screenShareWithdrawn'>;

/** Why our share ended without our asking: the host withdrew it, or it could not be encrypted. */
export type ShareEnded = 'withdrawn' | 'not-encrypted';

export interface ScreenShareDeps {
  /** Our own peer id in this visit of the room. */
  myPeerId: () => string | undefined;
  /** The host of a 1:1 or circle; a circle lets only the host share unless they allow someone. */
  isHost: () => boolean;
  isCircle: () => boolean;
  announce: Announce;
  onError: (error: unknown) => void;
  /** Asks the browser for a screen or window (by default `getDisplayMedia`, whose picker the person answers). */
  capture?: () => Promise<MediaStream>;
}

/** What a shared screen asks of the browser: video only, at the frame rate a document needs. */
const DISPLAY_CONSTRAINTS: DisplayMediaStreamOptions = { video: { frameRate: { max: 15 } }, audio: false };

/**
 * Our screen share and who may share in this room: the person chooses a
 * screen or window, it is sent encrypted like the camera, and it stops by
 * our button, the browser's own "stop sharing", the host withdrawing it, or a
 * transform that does not run. Who may share follows the shared rule
 * (`sharesScreenByDefault`) and the host's decisions the server pushes.
 */
export class ScreenShare {
  sharing = $state(false);
  /** The browser's picker is open, or the share is being set up. */
  starting = $state(false);
  ended = $state<ShareEnded | undefined>(undefined);
  /** The host's decisions in this visit of the room, by peer id (everyone else follows the default rule). */
  decisions = $state<Record<string, boolean>>({});
  #media: ScreenMedia | undefined;
  readonly #capture: () => Promise<MediaStream>;

  constructor(private readonly deps: ScreenShareDeps) {
    this.#capture = deps.capture ?? (() => navigator.mediaDevices.getDisplayMedia(DISPLAY_CONSTRAINTS));
  }

  /** Whether this browser can share a screen at all (phones mostly cannot). */
  get supported(): boolean {
    return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getDisplayMedia === 'function';
  }

  /** Whether we may share now. */
  get mayShare(): boolean {
    const me = this.deps.myPeerId();
    return this.maySharePeer(me, this.deps.isHost());
  }

  /** Whether someone may share: the host's decision, else the default rule. */
  maySharePeer(peerId: string | undefined, host: boolean): boolean {
    const decided = peerId === undefined ? undefined : this.decisions[peerId];
    return decided ?? sharesScreenByDefault({ host, circle: this.deps.isCircle() });
  }

  /** The room's media the share goes through from now on (none after leaving). A new visit starts with no decisions and no share. */
  use(media: ScreenMedia | undefined): void {
    this.#media = media;
    this.sharing = false;
    this.starting = false;
    this.decisions = {};
  }

  async start(): Promise<void> {
    const media = this.#media;
    if (!media || this.sharing || this.starting || !this.mayShare) return;
    this.starting = true;
    this.ended = undefined;
    try {
      const stream = await this.#capture();
      const [track] = stream.getVideoTracks();
      if (!track) return;
      if (this.#media !== media || !this.mayShare) {
        track.stop();
        return;
      }
      await media.shareScreen(track);
      this.sharing = track.readyState === 'live';
    } catch (error) {
      // Closing the browser's picker without choosing is a choice, not a failure.
      if (!(error instanceof DOMException && error.name === 'NotAllowedError')) this.deps.onError(error);
    } finally {
      this.starting = false;
    }
  }

  async stop(): Promise<void> {
    if (!this.sharing) return;
    this.sharing = false;
    await this.#media?.stopScreenShare().catch((error: unknown) => this.deps.onError(error));
  }

  /** The browser ended our share (its own "stop sharing"), or its encryption did not run; the others are told already. */
  stoppedByBrowser(reason: 'ended' | 'not-encrypted'): void {
    this.sharing = false;
    if (reason === 'not-encrypted') this.ended = 'not-encrypted';
    this.deps.announce(reason === 'ended' ? 'screen.youStopped' : 'screen.notEncrypted', '');
  }

  /** The host allowed someone to share, or withdrew it; if it is us and we were sharing, the SFU has closed our share. */
  permissionChanged({ peerId, allowed }: ServerEventPayload<'room:share-permission'>): void {
    this.decisions = { ...this.decisions, [peerId]: allowed };
    if (peerId !== this.deps.myPeerId()) return;
    if (allowed) {
      this.deps.announce('screen.allowedYou', '');
      return;
    }
    if (this.sharing) {
      this.sharing = false;
      this.ended = 'withdrawn';
      this.#media?.screenShareWithdrawn();
    }
    this.deps.announce('screen.withdrawnYou', '');
  }
}
