import type { Page } from 'playwright-core';

export interface SpyDecodeResult {
  /** Pictures the decoder put out, with their size. */
  decoded: Array<{ width: number; height: number }>;
  /** What the decoder said when it refused the input. */
  errors: string[];
}

/**
 * What a spy holding the SFU's packets could see: the VP8 frames (a key frame
 * first) handed to a real decoder (WebCodecs in Chromium, libvpx underneath).
 */
export function decodeAsSpy(page: Page, frames: Array<{ key: boolean; bytes: Uint8Array }>): Promise<SpyDecodeResult> {
  const chunks = frames.map((f) => ({ key: f.key, bytes: Array.from(f.bytes) }));
  return page.evaluate(async (input) => {
    const result: { decoded: Array<{ width: number; height: number }>; errors: string[] } = { decoded: [], errors: [] };
    const decoder = new VideoDecoder({
      output: (frame) => {
        result.decoded.push({ width: frame.displayWidth, height: frame.displayHeight });
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
  }, chunks);
}
