import type { PersonMask } from './selfie-segmenter.js';

/** A calm, even colour behind the person (the app's --brand-soft). */
export const PLAIN_BACKGROUND = '#dcefee';
/**
 * The background is blurred at a quarter of the size and scaled back up: as
 * soft, at a sixteenth of the work. Strongly (about 32 px at 1280×720): papers
 * and photographs behind the person are not to be read.
 */
const BLUR_SCALE = 4;
const BLUR_PX = 8;

export type BackgroundLook = 'blur' | 'plain';

/**
 * Puts a camera frame together with its person mask: the person as the
 * camera saw them, everything else blurred or a plain colour. Canvas 2D
 * only (OffscreenCanvas), so it runs wherever the page does.
 */
export class BackgroundCompositor {
  readonly canvas: OffscreenCanvas;
  readonly #context: OffscreenCanvasRenderingContext2D;
  readonly #small: OffscreenCanvas;
  readonly #smallContext: OffscreenCanvasRenderingContext2D;

  constructor(width: number, height: number) {
    this.canvas = new OffscreenCanvas(width, height);
    this.#small = new OffscreenCanvas(Math.max(1, Math.round(width / BLUR_SCALE)), Math.max(1, Math.round(height / BLUR_SCALE)));
    const context = this.canvas.getContext('2d');
    const smallContext = this.#small.getContext('2d');
    if (!context || !smallContext) throw new Error('no 2D canvas');
    this.#context = context;
    this.#smallContext = smallContext;
  }

  fits(width: number, height: number): boolean {
    return this.canvas.width === width && this.canvas.height === height;
  }

  draw(frame: VideoFrame, mask: PersonMask, look: BackgroundLook): void {
    const { width, height } = this.canvas;
    const context = this.#context;
    // The mask's opacity is the person: keep the frame only there.
    context.globalCompositeOperation = 'copy';
    context.imageSmoothingEnabled = true;
    context.drawImage(mask, 0, 0, width, height);
    context.globalCompositeOperation = 'source-in';
    context.drawImage(frame, 0, 0, width, height);
    // Then the background behind what is there.
    context.globalCompositeOperation = 'destination-over';
    switch (look) {
      case 'blur': {
        const small = this.#smallContext;
        small.filter = `blur(${BLUR_PX}px)`;
        small.drawImage(frame, 0, 0, this.#small.width, this.#small.height);
        context.drawImage(this.#small, 0, 0, width, height);
        break;
      }
      case 'plain':
        context.fillStyle = PLAIN_BACKGROUND;
        context.fillRect(0, 0, width, height);
        break;
      default: {
        const unknown: never = look;
        throw new Error(`unknown background look ${String(unknown)}`);
      }
    }
    context.globalCompositeOperation = 'source-over';
  }
}
