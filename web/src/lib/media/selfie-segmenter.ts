import type { Results, SelfieSegmentation } from '@mediapipe/selfie_segmentation';
import { segmentationBase } from 'virtual:segmentation-model';

/** The loader's global (the package is a classic script, not a module). */
type SegmentationConstructor = typeof SelfieSegmentation;

let loader: Promise<SegmentationConstructor> | undefined;

/**
 * The package's loader script, from our origin (script-src 'self'), once per
 * page. It then loads its wasm build and the model from the same place (its
 * `locateFile` below), never from a CDN.
 */
function loadScript(): Promise<SegmentationConstructor> {
  loader ??= new Promise<SegmentationConstructor>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = `${segmentationBase}selfie_segmentation.js`;
    script.async = true;
    script.onload = () => {
      const found = (globalThis as unknown as { SelfieSegmentation?: SegmentationConstructor }).SelfieSegmentation;
      if (found) resolve(found);
      else reject(new Error('segmentation loader gave no SelfieSegmentation'));
    };
    script.onerror = () => reject(new Error('segmentation loader did not load'));
    document.head.append(script);
  }).catch((error: unknown) => {
    // A later try (the person chooses again) loads afresh.
    loader = undefined;
    throw error;
  });
  return loader;
}

/** A person mask: where the person is opaque, the background transparent. */
export type PersonMask = CanvasImageSource;

/**
 * MediaPipe's selfie segmentation (the landscape model, made for video calls)
 * behind one call: give it a picture, get the person mask while it is valid.
 * Inference runs on the CPU (XNNPACK wasm): on the 2-core development machine
 * 17–20 ms a frame against 120–160 ms through WebGL, which there is
 * software-rendered; a phone's GPU path would also have to read the mask back.
 */
export class SelfieSegmenter {
  #pending: ((results: Results) => void) | undefined;
  #queue: Promise<void> = Promise.resolve();

  private constructor(private readonly solution: SelfieSegmentation) {
    solution.onResults((results) => this.#pending?.(results));
  }

  static async load(): Promise<SelfieSegmenter> {
    const Solution = await loadScript();
    const solution = new Solution({ locateFile: (file) => `${segmentationBase}${file}` });
    solution.setOptions({ modelSelection: 1, selfieMode: false, useCpuInference: true } as Parameters<SelfieSegmentation['setOptions']>[0]);
    await solution.initialize();
    return new SelfieSegmenter(solution);
  }

  /**
   * Segments `image` and hands its mask to `use` (the mask is the solution's,
   * valid only during the call). One picture at a time: an effect being
   * replaced may still be sending its last frame when the next one starts.
   */
  segment(image: ImageBitmap, use: (mask: PersonMask) => void): Promise<void> {
    const turn = this.#queue.then(() => this.#segment(image, use));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #segment(image: ImageBitmap, use: (mask: PersonMask) => void): Promise<void> {
    let used = false;
    this.#pending = (results) => {
      used = true;
      use(results.segmentationMask);
    };
    try {
      // The package's type lists DOM pictures only; its code takes anything with a width and height that WebGL can read.
      await this.solution.send({ image: image as unknown as HTMLCanvasElement });
    } finally {
      this.#pending = undefined;
    }
    if (!used) throw new Error('segmentation gave no mask');
  }

  async close(): Promise<void> {
    await this.solution.close();
  }
}
