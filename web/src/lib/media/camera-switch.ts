/**
 * What the camera is asked for, in the device check and each time it is
 * switched on again: up to 720p, 24 frames a second (enough for a face, and
 * what a phone can encrypt and send without heating up).
 */
export function cameraConstraints(deviceId: string | undefined): MediaTrackConstraints {
  return {
    width: { ideal: 1280 },
    height: { ideal: 720 },
    frameRate: { ideal: 24, max: 30 },
    ...(deviceId ? { deviceId: { exact: deviceId } } : {}),
  };
}

/** Opens the camera alone (the microphone it came with stays as it is). */
export async function openCamera(deviceId: string | undefined): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ video: cameraConstraints(deviceId) });
  const [track] = stream.getVideoTracks();
  if (!track) throw new DOMException('no camera track', 'NotFoundError');
  return track;
}

/** Whoever holds the camera's track and hands it on (the background effect, the previews, the camera producer). */
export interface CameraHolder {
  /** The camera now in use, to open the same one again. */
  readonly cameraDeviceId: string | undefined;
  /** Stops the camera's track and everything made from it. */
  releaseCamera(): void;
  /** The camera again, opened anew: shown and sent as the old one was. */
  cameraBack(track: MediaStreamTrack): Promise<void>;
}

/**
 * The camera switch as people understand it: off lets go of the device (its
 * light goes out, a phone stops capturing), on opens it again. A disabled
 * track alone would keep the camera capturing and its light on, which tells
 * someone in a counseling session that they may still be seen. The latest
 * switch wins: a camera that opens after it was switched off again is closed.
 */
export class CameraSwitch {
  #turn = 0;

  constructor(
    private readonly holder: CameraHolder,
    private readonly open: (deviceId: string | undefined) => Promise<MediaStreamTrack> = openCamera,
  ) {}

  off(): void {
    this.#turn++;
    this.holder.releaseCamera();
  }

  /** True once the camera is on again; false if it was switched off meanwhile. Rejects if it cannot be opened. */
  async on(): Promise<boolean> {
    const turn = ++this.#turn;
    let track: MediaStreamTrack;
    try {
      track = await this.open(this.holder.cameraDeviceId);
    } catch (error) {
      // Switched off (or on again) meanwhile: this attempt's failure no longer says anything.
      if (turn !== this.#turn) return false;
      throw error;
    }
    if (turn !== this.#turn) {
      track.stop();
      return false;
    }
    await this.holder.cameraBack(track);
    return turn === this.#turn;
  }
}
