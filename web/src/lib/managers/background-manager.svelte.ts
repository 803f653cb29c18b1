import { BackgroundEffect } from '../media/background-effect.js';
import { rememberChoice, rememberedChoice, type BackgroundChoice, type ChoiceStore } from '../media/background-choice.js';
import type { CameraHolder } from '../media/camera-switch.js';
import { SelfieSegmenter } from '../media/selfie-segmenter.js';

export type BackgroundStatus = 'off' | 'starting' | 'on' | 'failed' | 'unsupported';

/** Where a new video track goes once the room sends (the camera producer's replaceTrack). */
export type VideoSink = (track: MediaStreamTrack) => Promise<void>;

export interface BackgroundManagerDeps {
  store?: ChoiceStore | undefined;
  /** Whether this browser can run the effect (a seam for the unit test). */
  supported?: boolean;
  /**
   * The effect stopped on its own in a call, or did not start on the camera
   * opened again: our camera is to be switched off rather than show what the
   * effect hid.
   */
  onFailed?: () => void;
}

function browserStore(): ChoiceStore | undefined {
  return typeof localStorage === 'undefined' ? undefined : localStorage;
}

/**
 * Background blur or a plain background on one's own camera, done on this
 * device before anything is encoded. Off by default and remembered per
 * device. It is given the camera from the device check and hands back the
 * stream to show and send: the camera's own sound, and its video either as it
 * is or with the background done. That stream object stays the same; a
 * change of choice swaps its video track (so every preview follows) and,
 * in a call, the camera producer's track (`sendTo`), with no renegotiation.
 * It also says when the device cannot keep up, so the person can turn it off.
 * It holds the camera's track, so the camera switch (`CameraSwitch`) lets go
 * of it here and hands the reopened one back here.
 */
export class BackgroundManager implements CameraHolder {
  choice = $state<BackgroundChoice>('off');
  status = $state<BackgroundStatus>('off');
  /** Behind the camera for a while: offer to turn it off. */
  struggling = $state(false);
  /** Processing per frame over the last window (ms), and frames out per second. */
  msPerFrame = $state<number | undefined>(undefined);
  fps = $state<number | undefined>(undefined);
  readonly supported: boolean;

  #camera: MediaStream | undefined;
  #outgoing = $state<MediaStream | undefined>(undefined);
  #effect: BackgroundEffect | undefined;
  #segmenter: Promise<SelfieSegmenter> | undefined;
  #sink: VideoSink | undefined;
  /** The camera in use (kept while it is switched off, to open the same one again). */
  #cameraDeviceId: string | undefined;
  /** The person saw the notice and kept it on: not asked again for this camera. */
  #kept = false;
  /** Each apply's turn: a later choice wins over an earlier one still starting. */
  #turn = 0;
  readonly #store: ChoiceStore | undefined;

  constructor(private readonly deps: BackgroundManagerDeps = {}) {
    this.#store = 'store' in deps ? deps.store : browserStore();
    this.supported = deps.supported ?? BackgroundEffect.supported();
    this.choice = rememberedChoice(this.#store);
    if (!this.supported) this.status = 'unsupported';
  }

  /** The stream to show and send (undefined before a camera is given). */
  get stream(): MediaStream | undefined {
    return this.#outgoing;
  }

  /** The camera from the device check (again after a device change): applies the choice to it. */
  async use(camera: MediaStream): Promise<MediaStream> {
    if (camera === this.#camera && this.#outgoing) return this.#outgoing;
    this.#stopEffect();
    this.#camera = camera;
    this.#cameraDeviceId = camera.getVideoTracks()[0]?.getSettings().deviceId ?? this.#cameraDeviceId;
    this.#kept = false;
    this.#outgoing = new MediaStream(camera.getTracks());
    await this.#apply();
    return this.#outgoing;
  }

  get cameraDeviceId(): string | undefined {
    return this.#cameraDeviceId;
  }

  /**
   * The camera is switched off: its track ends (the device is let go of) and
   * so does the effect's; the outgoing stream keeps its sound only. The
   * choice stays, for when the camera comes back.
   */
  releaseCamera(): void {
    this.#turn++;
    this.#stopEffect();
    for (const stream of [this.#camera, this.#outgoing]) {
      for (const track of stream?.getVideoTracks() ?? []) {
        stream?.removeTrack(track);
        track.stop();
      }
    }
    this.status = this.supported ? 'off' : 'unsupported';
  }

  /** The camera opened again: the choice applies to it, and it is shown and sent as before. */
  async cameraBack(track: MediaStreamTrack): Promise<void> {
    const camera = this.#camera;
    if (!camera) {
      track.stop();
      return;
    }
    for (const old of camera.getVideoTracks()) {
      camera.removeTrack(old);
      old.stop();
    }
    camera.addTrack(track);
    this.#cameraDeviceId = track.getSettings().deviceId ?? this.#cameraDeviceId;
    this.#kept = false;
    // The person expects their background done as before: should the effect not start now, the camera goes off.
    await this.#apply({ plainOnFailure: false });
  }

  /** In a call: new video tracks go to the room's camera producer from now on (undefined: none). */
  sendTo(sink: VideoSink | undefined): void {
    this.#sink = sink;
  }

  async choose(choice: BackgroundChoice): Promise<void> {
    this.choice = choice;
    rememberChoice(this.#store, choice);
    this.struggling = false;
    this.#kept = false;
    await this.#apply();
  }

  /** The notice was answered "keep it": quiet until the camera changes. */
  keep(): void {
    this.#kept = true;
    this.struggling = false;
  }

  /** Ends the effect and every track it was given or made (the session is over). */
  stop(): void {
    this.#turn++;
    this.#stopEffect();
    for (const track of [...(this.#camera?.getTracks() ?? []), ...(this.#outgoing?.getTracks() ?? [])]) track.stop();
    this.#camera = undefined;
    this.#outgoing = undefined;
    this.status = this.supported ? 'off' : 'unsupported';
  }

  /** `plainOnFailure`: an effect that does not start leaves the plain camera (the choice is being made, in view); else the camera goes off. */
  async #apply({ plainOnFailure = true }: { plainOnFailure?: boolean } = {}): Promise<void> {
    const turn = ++this.#turn;
    const camera = this.#camera?.getVideoTracks()[0];
    if (!camera) return;
    const choice = this.choice;
    if (choice === 'off' || !this.supported) {
      // The camera's own track goes out first, then the effect ends: no moment without frames.
      // Taken out first: its track ending from here on is no failure.
      const effect = this.#effect;
      this.#effect = undefined;
      await this.#useVideo(camera);
      effect?.stop();
      this.#resetPace();
      if (this.supported) this.status = 'off';
      return;
    }
    if (this.#effect) {
      this.#effect.look = choice;
      this.status = 'on';
      return;
    }
    this.status = 'starting';
    try {
      this.#segmenter ??= SelfieSegmenter.load().catch((error: unknown) => {
        this.#segmenter = undefined;
        throw error;
      });
      const effect = await BackgroundEffect.start(camera, choice, await this.#segmenter, {
        onPace: (figures, struggling) => {
          this.msPerFrame = figures?.msPerFrame;
          this.fps = figures?.fps;
          if (struggling && !this.#kept) this.struggling = true;
        },
        onFailed: (error) => {
          console.warn('background effect stopped', error);
          void this.#failed(effect);
        },
      });
      if (turn !== this.#turn) {
        effect.stop();
        return;
      }
      this.#effect = effect;
      await this.#useVideo(effect.track);
      this.status = 'on';
    } catch {
      if (turn !== this.#turn) return;
      this.status = 'failed';
      if (plainOnFailure) await this.#useVideo(camera);
      else this.deps.onFailed?.();
    }
  }

  /** The effect broke down mid-way: the camera goes off first, so the background it hid is not shown unasked. */
  async #failed(effect: BackgroundEffect): Promise<void> {
    if (this.#effect !== effect) return;
    this.#effect = undefined;
    this.status = 'failed';
    this.deps.onFailed?.();
    const camera = this.#camera?.getVideoTracks()[0];
    if (camera) await this.#useVideo(camera);
  }

  /** Puts `track` in the outgoing stream (every preview follows) and on the camera producer, then ends the effect's old track. */
  async #useVideo(track: MediaStreamTrack): Promise<void> {
    const outgoing = this.#outgoing;
    if (!outgoing) return;
    const previous = outgoing.getVideoTracks()[0];
    if (previous === track) return;
    if (previous) outgoing.removeTrack(previous);
    outgoing.addTrack(track);
    await this.#sink?.(track).catch(() => undefined);
    // The camera's own track stays (it is the source); an effect's is done with.
    if (previous && !this.#camera?.getVideoTracks().includes(previous)) previous.stop();
  }

  #stopEffect(): void {
    const effect = this.#effect;
    this.#effect = undefined;
    effect?.stop();
    this.#resetPace();
  }

  #resetPace(): void {
    this.msPerFrame = undefined;
    this.fps = undefined;
    this.struggling = false;
  }
}
