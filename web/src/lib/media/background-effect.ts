import { BackgroundCompositor, type BackgroundLook } from './background-compositor.js';
import { FramePace, type PaceFigures } from './frame-pace.js';
import type { SelfieSegmenter } from './selfie-segmenter.js';

/** The segmentation model's own input (the landscape model: 256×144); a larger picture would only be scaled down on its side. */
const MODEL_WIDTH = 256;
const MODEL_HEIGHT = 144;

type TrackProcessor = { readable: ReadableStream<VideoFrame> };
type TrackGenerator = MediaStreamTrack & { writable: WritableStream<VideoFrame> };
interface InsertableStreams {
  MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack; maxBufferSize?: number }) => TrackProcessor;
  MediaStreamTrackGenerator: new (init: { kind: 'video' }) => TrackGenerator;
}

function insertableStreams(): InsertableStreams | undefined {
  const scope = globalThis as unknown as Partial<InsertableStreams>;
  const { MediaStreamTrackProcessor, MediaStreamTrackGenerator } = scope;
  return MediaStreamTrackProcessor && MediaStreamTrackGenerator && typeof OffscreenCanvas === 'function' && typeof VideoFrame === 'function'
    ? { MediaStreamTrackProcessor, MediaStreamTrackGenerator }
    : undefined;
}

export interface EffectEvents {
  /** The pace over the last window, after each frame; `struggling` once the device has been behind for a while. */
  onPace(figures: PaceFigures | undefined, struggling: boolean): void;
  /** Segmentation or drawing failed: the effect has stopped. */
  onFailed(error: unknown): void;
}

/**
 * The camera with its background blurred or replaced, as a track of its own:
 * camera frames (a clone of the camera track, read as VideoFrames) →
 * person mask → compositing → a generated track, which is what the room then
 * sends through its SFrame transform like any camera. No timers and no
 * rendering: frames are pulled as the camera gives them, so a hidden tab
 * keeps sending; a frame that comes while one is being processed is dropped
 * by the reader, never queued. While the track is disabled (camera switched
 * off) frames are passed over unprocessed.
 */
export class BackgroundEffect {
  readonly track: MediaStreamTrack;
  #look: BackgroundLook;
  #stopped = false;
  readonly #source: MediaStreamTrack;
  readonly #reader: ReadableStreamDefaultReader<VideoFrame>;
  readonly #writer: WritableStreamDefaultWriter<VideoFrame>;
  readonly #pace = new FramePace();
  #compositor: BackgroundCompositor | undefined;

  /** Whether this browser can run it (Chromium's MediaStreamTrackProcessor and Generator). */
  static supported(): boolean {
    return insertableStreams() !== undefined;
  }

  private constructor(
    camera: MediaStreamTrack,
    look: BackgroundLook,
    private readonly segmenter: SelfieSegmenter,
    private readonly events: EffectEvents,
  ) {
    const streams = insertableStreams();
    if (!streams) throw new Error('background effects need MediaStreamTrackProcessor');
    this.#look = look;
    // A clone of our own: stopping the effect never stops the camera it came from. Enabled even if the
    // camera track was switched off as the sender's track: whether anything goes out is this track's
    // (the generator's) enabled state, which the producer sets.
    this.#source = camera.clone();
    this.#source.enabled = true;
    this.#reader = new streams.MediaStreamTrackProcessor({ track: this.#source, maxBufferSize: 1 }).readable.getReader();
    const generator = new streams.MediaStreamTrackGenerator({ kind: 'video' });
    this.#writer = generator.writable.getWriter();
    this.track = generator;
  }

  /** Starts on `camera`; resolves once the first processed frame is out, so a sender never waits on a silent track. */
  static async start(camera: MediaStreamTrack, look: BackgroundLook, segmenter: SelfieSegmenter, events: EffectEvents): Promise<BackgroundEffect> {
    const effect = new BackgroundEffect(camera, look, segmenter, events);
    try {
      await effect.#next();
    } catch (error) {
      effect.stop();
      throw error;
    }
    void effect.#run();
    return effect;
  }

  set look(look: BackgroundLook) {
    this.#look = look;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    void this.#reader.cancel().catch(() => undefined);
    void this.#writer.close().catch(() => undefined);
    this.#source.stop();
    this.track.stop();
  }

  async #run(): Promise<void> {
    try {
      while (!this.#stopped && (await this.#next()));
    } catch (error) {
      if (this.#stopped) return;
      this.stop();
      this.events.onFailed(error);
    }
  }

  /** One camera frame through; false when the camera has ended. */
  async #next(): Promise<boolean> {
    const { value: frame, done } = await this.#reader.read();
    if (done || !frame) return false;
    try {
      if (this.#stopped) return false;
      // Camera off: nothing is sent, so nothing is worth segmenting (nor is the pace then the device's).
      if (!this.track.enabled && this.#compositor) {
        this.#pace.reset();
        return true;
      }
      const started = performance.now();
      const out = await this.#process(frame);
      const now = performance.now();
      this.#pace.record(now, now - started);
      if (this.#stopped) {
        out.close();
        return false;
      }
      await this.#writer.write(out);
      const camera = this.#source.getSettings().frameRate ?? 30;
      this.events.onPace(this.#pace.figures(now), this.#pace.struggling(now, camera));
      return true;
    } finally {
      frame.close();
    }
  }

  async #process(frame: VideoFrame): Promise<VideoFrame> {
    const width = frame.displayWidth;
    const height = frame.displayHeight;
    if (!this.#compositor?.fits(width, height)) this.#compositor = new BackgroundCompositor(width, height);
    const compositor = this.#compositor;
    const small = await createImageBitmap(frame, { resizeWidth: MODEL_WIDTH, resizeHeight: MODEL_HEIGHT, resizeQuality: 'low' });
    try {
      await this.segmenter.segment(small, (mask) => compositor.draw(frame, mask, this.#look));
    } finally {
      small.close();
    }
    return new VideoFrame(compositor.canvas, { timestamp: frame.timestamp });
  }
}
