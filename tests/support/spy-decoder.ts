import type { Page } from 'playwright-core';

/** A picture reduced to what likeness needs: its luma on a small grid (THUMB_WIDTH × THUMB_HEIGHT, 0–255). */
export type Thumbnail = number[];

export interface SpyPicture {
  width: number;
  height: number;
  thumbnail: Thumbnail;
}

export interface SpyDecodeResult {
  /** Pictures the decoder put out, with their size. */
  decoded: SpyPicture[];
  /** What the decoder said when it refused the input. */
  errors: string[];
}

const THUMB_WIDTH = 32;
const THUMB_HEIGHT = 18;

/**
 * At or above this likeness a picture shows what another one does. Measured
 * here (Chromium's fake camera, 32×18 luma): a real decoded frame against the
 * camera's own pictures 0.96–0.99; the noise a VP8 decoder makes of sealed
 * frames (below) at most 0.28 against the same pictures.
 */
export const SAME_PICTURE = 0.6;

/**
 * What a spy holding the SFU's packets could see: the VP8 frames (a key frame
 * first) handed to a real decoder (WebCodecs in Chromium, libvpx underneath).
 *
 * A sealed frame keeps the codec's first bytes clear (the SFU reads them), so
 * the decoder takes it for VP8 and reads the SFrame header and ciphertext as a
 * compressed picture. Almost always it refuses; about once in a thousand key
 * frames (10 of 11,000 sealed-like runs here) the bits happen to parse, and it
 * puts out noise of the size the clear bytes name. So what the spy got is
 * judged by likeness (`picturesOf`), not by whether the decoder said anything.
 */
export function decodeAsSpy(page: Page, frames: Array<{ key: boolean; bytes: Uint8Array }>): Promise<SpyDecodeResult> {
  const chunks = frames.map((f) => ({ key: f.key, bytes: Array.from(f.bytes) }));
  return page.evaluate(
    async ({ input, width, height }) => {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d', { willReadFrequently: true });
      if (!context) throw new Error('no 2d context');
      const thumbnail = (frame: VideoFrame) => {
        context.drawImage(frame, 0, 0, width, height);
        const rgba = context.getImageData(0, 0, width, height).data;
        const luma: number[] = [];
        for (let i = 0; i < rgba.length; i += 4) luma.push(0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!);
        return luma;
      };
      const result: { decoded: Array<{ width: number; height: number; thumbnail: number[] }>; errors: string[] } = { decoded: [], errors: [] };
      const decoder = new VideoDecoder({
        output: (frame) => {
          result.decoded.push({ width: frame.displayWidth, height: frame.displayHeight, thumbnail: thumbnail(frame) });
          frame.close();
        },
        error: (error) => result.errors.push(String(error)),
      });
      decoder.configure({ codec: 'vp8' });
      try {
        for (const [i, chunk] of input.entries()) {
          if (decoder.state === 'closed') break;
          decoder.decode(new EncodedVideoChunk({ type: chunk.key ? 'key' : 'delta', timestamp: i * 33_333, data: new Uint8Array(chunk.bytes) }));
        }
        if (decoder.state !== 'closed') await decoder.flush();
      } catch (error) {
        result.errors.push(String(error));
      }
      return result;
    },
    { input: chunks, width: THUMB_WIDTH, height: THUMB_HEIGHT },
  );
}

/**
 * What the cameras film, as thumbnails: `ms` of Chromium's fake camera taken
 * in `page`. Every page of a test browser films the same pattern (a pacman
 * turning on a still background, a clock), so this is the reference for the
 * pictures any of its pages send.
 */
export function filmedPictures(page: Page, ms: number): Promise<Thumbnail[]> {
  return page.evaluate(
    async ({ ms, width, height }) => {
      const canvas = new OffscreenCanvas(width, height);
      const context = canvas.getContext('2d', { willReadFrequently: true });
      if (!context) throw new Error('no 2d context');
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 } });
      const [track] = stream.getVideoTracks();
      if (!track) throw new Error('no camera track');
      const Processor = (window as unknown as { MediaStreamTrackProcessor: new (init: { track: MediaStreamTrack }) => { readable: ReadableStream<VideoFrame> } }).MediaStreamTrackProcessor;
      const reader = new Processor({ track }).readable.getReader();
      const pictures: number[][] = [];
      try {
        for (const until = performance.now() + ms; performance.now() < until; ) {
          const { value } = await reader.read();
          if (!value) break;
          context.drawImage(value, 0, 0, width, height);
          value.close();
          const rgba = context.getImageData(0, 0, width, height).data;
          const luma: number[] = [];
          for (let i = 0; i < rgba.length; i += 4) luma.push(0.299 * rgba[i]! + 0.587 * rgba[i + 1]! + 0.114 * rgba[i + 2]!);
          pictures.push(luma);
        }
      } finally {
        track.stop();
      }
      return pictures;
    },
    { ms, width: THUMB_WIDTH, height: THUMB_HEIGHT },
  );
}

/** Likeness of two thumbnails: the correlation of their luma (1 the same picture, about 0 unrelated). */
export function likeness(a: Thumbnail, b: Thumbnail): number {
  const mean = (xs: Thumbnail) => xs.reduce((sum, x) => sum + x, 0) / xs.length;
  const ma = mean(a);
  const mb = mean(b);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i += 1) {
    const da = a[i]! - ma;
    const db = (b[i] ?? mb) - mb;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  // A flat picture resembles nothing (and is what a refused decode looks like).
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** The decoded pictures that show what one of `references` shows, with their likeness. */
export function picturesOf(decoded: SpyPicture[], references: Thumbnail[]): Array<{ index: number; likeness: number }> {
  if (references.length === 0) throw new Error('no reference pictures to compare with');
  return decoded
    .map((picture, index) => ({ index, likeness: Math.max(...references.map((reference) => likeness(picture.thumbnail, reference))) }))
    .filter((match) => match.likeness >= SAME_PICTURE);
}
