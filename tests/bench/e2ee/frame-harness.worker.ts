/*
 * A harness around one frame crypto worker, inside the same worker thread, so
 * frames reach the worker under test the way RTCRtpScriptTransform hands them
 * over in a call: as real encoded frame objects on a readable stream in the
 * worker, taken back from a writable stream in the worker. No frame crosses a
 * thread while it is timed.
 *
 * The worker under test is the shipped file itself (ours from web/build,
 * LiveKit's from its npm package), imported unchanged; it installs its own
 * `onmessage` and `onrtctransform`. The harness then takes `onmessage` over
 * and forwards every message that is not the bench's to the worker's own
 * handler, so keys and settings travel the worker's own message protocol,
 * and it calls the worker's own `onrtctransform` with a transformer whose
 * streams it feeds.
 */
import { copyFrame, type EncodedFrame } from './encoded-frame.js';
import { floorPipe, floorPump, floorStep } from './frame-floors.js';
import { SENDER_IDENTITY, type Direction, type FramesByKind, type FromHarness, type FrameTarget, type KindResult, type MediaKind, type RunResult, type ToHarness } from './frame-bench-protocol.js';

interface Transformer {
  readable: ReadableStream<EncodedFrame>;
  writable: WritableStream<EncodedFrame>;
  options: unknown;
}

type TransformHandler = (event: { transformer: Transformer }) => void;

interface WorkerScope {
  location: Location;
  crossOriginIsolated: boolean;
  onmessage: ((event: MessageEvent) => void) | null;
  onrtctransform: TransformHandler | null;
  postMessage(message: FromHarness): void;
}

const scope = globalThis as unknown as WorkerScope;
const target = new URL(scope.location.href).searchParams.get('target') as FrameTarget;
/** How long a frame may take before the bench counts it as lost (a lost frame fails the bench). */
const FRAME_TIMEOUT_MS = 2000;
/** Frames timed together. */
const BATCH = 8;


/**
 * One track's streams into the worker under test. Frames go in one at a
 * time, each once the one before it came out (the same frame object reaching
 * the writable), so a frame's time is the worker's alone.
 */
class TrackPipe {
  readonly readable: ReadableStream<EncodedFrame>;
  readonly writable: WritableStream<EncodedFrame>;
  #controller!: ReadableStreamDefaultController<EncodedFrame>;
  #waiting: { frame: EncodedFrame; since: number; resolve: (passed: boolean) => void } | undefined;

  constructor() {
    this.readable = new ReadableStream<EncodedFrame>({ start: (controller) => void (this.#controller = controller) }, { highWaterMark: 0 });
    this.writable = new WritableStream<EncodedFrame>({
      write: (frame) => {
        // A frame that came out after its time was up (only while keys settle) is not this one.
        if (this.#waiting?.frame === frame) this.#waiting.resolve(true);
      },
    });
    // One watchdog for all frames rather than a timer per frame, which would be timed with them.
    setInterval(() => {
      if (this.#waiting && performance.now() - this.#waiting.since > FRAME_TIMEOUT_MS) this.#waiting.resolve(false);
    }, FRAME_TIMEOUT_MS / 4);
  }

  /** Whether the frame came out (false: the worker dropped it). */
  async pass(frame: EncodedFrame): Promise<boolean> {
    const out = new Promise<boolean>((resolve) => (this.#waiting = { frame, since: performance.now(), resolve }));
    this.#controller.enqueue(frame);
    const passed = await out;
    this.#waiting = undefined;
    return passed;
  }
}

/** The options each worker under test expects on its RTCRtpScriptTransform, as its own app passes them. */
function transformOptions(direction: Direction, kind: MediaKind): unknown {
  switch (target) {
    case 'care':
      return { operation: direction, codec: kind === 'video' ? 'vp8' : 'opus', trackId: kind };
    case 'livekit':
      // As LiveKit's E2EEManager builds them; it passes no codec for VP8 (the worker reads the frame's MIME type).
      return direction === 'encrypt'
        ? { kind: 'encode', participantIdentity: SENDER_IDENTITY, trackId: kind, codec: undefined, hasPacketTrailer: false, packetTrailer: undefined }
        : { kind: 'decode', participantIdentity: SENDER_IDENTITY, trackId: kind, codec: undefined, hasPacketTrailer: false };
    case 'passthrough':
    case 'pipe':
    case 'webcrypto':
      return {};
    default: {
      const unknown: never = target;
      throw new Error(`unknown target ${String(unknown)}`);
    }
  }
}

function sameBytes(a: ArrayBuffer, b: ArrayBuffer): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

class Harness {
  #direction: Direction = 'encrypt';
  readonly #pipes = new Map<MediaKind, TrackPipe>();
  #input: FramesByKind = { video: [], audio: [] };
  #expected: FramesByKind = { video: [], audio: [] };
  #flowing = false;

  constructor(private readonly workerTransform: TransformHandler | null) {}

  async attach(direction: Direction, floorKey: Uint8Array | undefined): Promise<void> {
    this.#direction = direction;
    const key = floorKey
      ? await crypto.subtle.importKey('raw', floorKey as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [direction])
      : undefined;
    for (const kind of ['video', 'audio'] as const) {
      const pipe = new TrackPipe();
      this.#pipes.set(kind, pipe);
      if (this.workerTransform) {
        this.workerTransform({ transformer: { readable: pipe.readable, writable: pipe.writable, options: transformOptions(direction, kind) } });
      } else {
        const step = floorStep(direction, key);
        (target === 'pipe' ? floorPipe : floorPump)(pipe.readable, pipe.writable, step).catch(() => undefined);
      }
    }
  }

  store(input: FramesByKind, expected: FramesByKind): void {
    this.#input = input;
    this.#expected = expected;
  }

  /** The first time: frames go in until one comes out, so the worker's keys are in and its pipeline runs. */
  async untilFlowing(): Promise<void> {
    if (this.#flowing) return;
    for (const kind of ['video', 'audio'] as const) {
      const first = this.#input[kind][0];
      if (!first) throw new Error(`no ${kind} frames stored`);
      let flowing = false;
      for (let attempt = 0; attempt < 10 && !flowing; attempt++) flowing = await this.#pipe(kind).pass(copyFrame(first));
      if (!flowing) throw new Error(`${target} passed no ${kind} frame`);
    }
    this.#flowing = true;
  }

  async run(id: number, keepOutputs: boolean): Promise<RunResult> {
    const outputs: FramesByKind = { video: [], audio: [] };
    const result: RunResult = { id, video: await this.#runKind('video', outputs.video), audio: await this.#runKind('audio', outputs.audio) };
    if (keepOutputs) result.outputs = outputs;
    return result;
  }

  /**
   * Every stored frame of a kind, in batches: the frames of a batch are copied
   * first, then timed together from the first in to the last out (each going
   * in once the one before came out), then checked. A batch's time per frame
   * is finer than the clock (5 µs when cross-origin isolated), and a core lost
   * to another process spoils one batch rather than the median.
   */
  async #runKind(kind: MediaKind, outputs: EncodedFrame[]): Promise<KindResult> {
    const pipe = this.#pipe(kind);
    const input = this.#input[kind];
    const result: KindResult = { frames: input.length, us: [], bytesIn: 0, bytesOut: 0 };
    for (let start = 0; start < input.length; start += BATCH) {
      const sources = input.slice(start, start + BATCH);
      const batch = sources.map(copyFrame);
      const started = performance.now();
      for (const frame of batch) {
        if (!(await pipe.pass(frame))) throw new Error(`${target} lost a ${kind} frame (${this.#direction})`);
      }
      result.us.push(((performance.now() - started) * 1000) / batch.length);
      batch.forEach((frame, i) => {
        this.#check(kind, start + i, frame);
        result.bytesIn += sources[i]!.data.byteLength;
        result.bytesOut += frame.data.byteLength;
        outputs.push(frame);
      });
    }
    return result;
  }

  /** Sealing must change and grow every frame; opening must give back exactly the frame that was sealed; the passthrough floor changes nothing. */
  #check(kind: MediaKind, index: number, out: EncodedFrame): void {
    const expected = this.#expected[kind][index];
    if (!expected) throw new Error(`no expected ${kind} frame ${index}`);
    const unchanged = sameBytes(out.data, expected.data);
    const right = this.#direction === 'decrypt' || target === 'passthrough' || target === 'pipe' ? unchanged : out.data.byteLength > expected.data.byteLength && !unchanged;
    if (!right) {
      throw new Error(`${target} ${this.#direction}ed ${kind} frame ${index} wrongly`);
    }
  }

  #pipe(kind: MediaKind): TrackPipe {
    const pipe = this.#pipes.get(kind);
    if (!pipe) throw new Error('not attached');
    return pipe;
  }
}

async function start(): Promise<void> {
  let workerMessage: ((event: MessageEvent) => void) | null = null;
  let workerTransform: TransformHandler | null = null;
  if (target === 'care' || target === 'livekit') {
    // The shipped worker file, fetched as it is (the bundler keeps /targets/ external).
    await import(target === 'care' ? '/targets/care.js' : '/targets/livekit.mjs');
    workerMessage = scope.onmessage;
    workerTransform = scope.onrtctransform;
    if (!workerMessage || !workerTransform) throw new Error(`${target} worker installed no handlers`);
  }
  const harness = new Harness(workerTransform);
  let floorKey: Uint8Array | undefined;

  const handle = async (message: ToHarness): Promise<FromHarness> => {
    switch (message.bench) {
      case 'attach':
        await harness.attach(message.direction, target === 'webcrypto' ? floorKey : undefined);
        return { bench: 'attached' };
      case 'frames':
        harness.store(message.input, message.expected);
        await harness.untilFlowing();
        return { bench: 'stored' };
      case 'run':
        return { bench: 'result', result: await harness.run(message.id, message.keepOutputs) };
      case 'floor-key':
        floorKey = message.key;
        return { bench: 'stored' };
      default: {
        const unknown: never = message;
        throw new Error(`unknown bench message ${String((unknown as { bench?: unknown }).bench)}`);
      }
    }
  };

  // One bench message at a time, in order, like the workers' own queues.
  let queue: Promise<void> = Promise.resolve();
  scope.onmessage = (event: MessageEvent) => {
    const data = event.data as Partial<ToHarness> | undefined;
    if (data?.bench === undefined) {
      workerMessage?.call(scope, event);
      return;
    }
    const message = data as ToHarness;
    queue = queue.then(async () => {
      try {
        scope.postMessage(await handle(message));
      } catch (error) {
        scope.postMessage({ bench: 'failed', ...('id' in message ? { id: message.id } : {}), message: String(error) });
      }
    });
  };
  scope.postMessage({ bench: 'ready', crossOriginIsolated: scope.crossOriginIsolated });
}

start().catch((error: unknown) => scope.postMessage({ bench: 'failed', message: String(error) }));
