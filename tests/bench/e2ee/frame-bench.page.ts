/*
 * The side-by-side frame bench's page (bundled for Chromium): records real
 * VP8 and Opus frames from the fake camera and microphone once, then drives
 * a sending and a receiving harness worker per target (ours, LiveKit's, and
 * two floors) with those same frames. Keys travel each worker's own
 * message protocol, as its own app sends them.
 */
import { copyFrame, type EncodedFrame } from './encoded-frame.js';
import { recordFrames, type RecordedSummary } from './frame-recording.js';
import { SENDER_IDENTITY, type FramesByKind, type FromHarness, type FrameTarget, type RunResult, type ToHarness } from './frame-bench-protocol.js';

export interface TargetRound {
  seal: RunResult;
  open: RunResult;
}

export interface BenchWindow {
  benchRecord(warmupMs: number, recordMs: number): Promise<RecordedSummary>;
  benchPrepare(targets: FrameTarget[]): Promise<void>;
  benchRound(order: FrameTarget[]): Promise<Partial<Record<FrameTarget, TargetRound>>>;
  /** Messages LiveKit's workers sent that are not part of a healthy run (logs at warn or above, errors). */
  benchLiveKitComplaints(): string[];
}

let recorded: FramesByKind = { video: [], audio: [] };
const complaints: string[] = [];

/** A harness worker: bench requests are answered one at a time, in order. */
class HarnessWorker {
  readonly #worker: Worker;
  readonly #answers: Array<(message: FromHarness) => void> = [];
  readonly #ready: Promise<FromHarness>;
  readonly #workerMessages: Array<{ kind?: unknown; data?: unknown }> = [];
  readonly #watchers: Array<() => void> = [];

  constructor(
    readonly target: FrameTarget,
    role: 'send' | 'receive',
  ) {
    this.#worker = new Worker(`/harness.js?target=${target}&role=${role}`, { type: 'module' });
    this.#ready = new Promise((resolve) => this.#answers.push(resolve));
    this.#worker.onerror = (event) => complaints.push(`${target} ${role} worker error: ${event.message}`);
    this.#worker.onmessage = (event: MessageEvent<FromHarness | { kind?: unknown; data?: unknown }>) => {
      const message = event.data;
      if ('bench' in message) {
        this.#answers.shift()?.(message);
        return;
      }
      // The worker under test speaking its own protocol (LiveKit: initAck, the enable echo, logs, errors).
      this.#workerMessages.push(message);
      if (target === 'livekit' && (message.kind === 'error' || message.kind === 'log')) {
        const data = message.data as { level?: string; msg?: string; error?: unknown };
        if (message.kind === 'error' || (data.level !== 'debug' && data.level !== 'info' && data.level !== 'trace')) complaints.push(`${role}: ${String(data.msg ?? data.error)}`);
      }
      for (const watch of this.#watchers.splice(0)) watch();
    };
  }

  async ready(): Promise<void> {
    const message = await this.#ready;
    if (message.bench === 'failed') throw new Error(`${this.target}: ${message.message}`);
    if (message.bench !== 'ready' || !message.crossOriginIsolated) throw new Error(`${this.target}: the harness is not cross-origin isolated (timer resolution would be coarse)`);
  }

  async request(message: ToHarness): Promise<FromHarness> {
    const answer = new Promise<FromHarness>((resolve) => this.#answers.push(resolve));
    this.#worker.postMessage(message);
    const reply = await answer;
    if (reply.bench === 'failed') throw new Error(`${this.target}: ${reply.message}`);
    return reply;
  }

  /** A message in the worker's own protocol, untouched by the harness. */
  post(message: unknown): void {
    this.#worker.postMessage(message);
  }

  /** Waits for a message of the worker's own protocol. */
  async receivedOwn(kind: string, timeoutMs = 10_000): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!this.#workerMessages.some((m) => m.kind === kind)) {
      if (performance.now() > deadline) throw new Error(`${this.target} never sent ${kind}`);
      await new Promise<void>((resolve) => {
        this.#watchers.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
}

const pairs = new Map<FrameTarget, { send: HarnessWorker; receive: HarnessWorker }>();

function copies(frames: FramesByKind): FramesByKind {
  return { video: frames.video.map(copyFrame), audio: frames.audio.map(copyFrame) };
}

/** LiveKit as its docs set it up: an ExternalE2EEKeyProvider with a random key; the messages its E2EEManager sends. */
async function prepareLiveKit(send: HarnessWorker, receive: HarnessWorker): Promise<void> {
  // Loaded after the recording: the SDK's module also shims WebRTC globals when it loads.
  const { ExternalE2EEKeyProvider, KeyProviderEvent, createE2EEKey } = await import('livekit-client');
  const keyProvider = new ExternalE2EEKeyProvider();
  for (const worker of [send, receive]) {
    worker.post({ kind: 'init', data: { keyProviderOptions: keyProvider.getOptions(), loglevel: 'warn' } });
    await worker.receivedOwn('initAck');
  }
  const keySet = new Promise<void>((resolve) => {
    keyProvider.on(KeyProviderEvent.SetKey, (keyInfo, updateCurrentKeyIndex) => {
      for (const [worker, isPublisher] of [[send, true], [receive, false]] as const) {
        worker.post({ kind: 'setKey', data: { participantIdentity: keyInfo.participantIdentity, isPublisher, key: keyInfo.key, keyIndex: keyInfo.keyIndex, updateCurrentKeyIndex } });
      }
      resolve();
    });
  });
  await keyProvider.setKey(createE2EEKey().buffer as ArrayBuffer);
  await keySet;
  for (const worker of [send, receive]) {
    worker.post({ kind: 'enable', data: { enabled: true, participantIdentity: SENDER_IDENTITY } });
    // The worker echoes `enable` once its queue reached it, so the key before it is in.
    await worker.receivedOwn('enable');
  }
}

/** Ours as the app keys it: one MLS epoch's base key; the sender is leaf 1 (the ASN's KID, one byte more than leaf 0's). */
function prepareCare(send: HarnessWorker, receive: HarnessWorker): void {
  const baseKey = crypto.getRandomValues(new Uint8Array(16));
  send.post({ kind: 'epoch', epoch: 1, baseKey, ownLeaf: 1, memberLeaves: [0, 1] });
  receive.post({ kind: 'epoch', epoch: 1, baseKey, ownLeaf: 0, memberLeaves: [0, 1] });
}

async function benchPrepare(targets: FrameTarget[]): Promise<void> {
  if (recorded.video.length === 0 || recorded.audio.length === 0) throw new Error('record frames first');
  const floorKey = crypto.getRandomValues(new Uint8Array(16));
  for (const target of targets) {
    const pair = { send: new HarnessWorker(target, 'send'), receive: new HarnessWorker(target, 'receive') };
    await pair.send.ready();
    await pair.receive.ready();
    if (target === 'livekit') await prepareLiveKit(pair.send, pair.receive);
    if (target === 'care') prepareCare(pair.send, pair.receive);
    if (target === 'webcrypto') for (const worker of [pair.send, pair.receive]) await worker.request({ bench: 'floor-key', key: floorKey });
    await pair.send.request({ bench: 'attach', direction: 'encrypt' });
    await pair.receive.request({ bench: 'attach', direction: 'decrypt' });
    await pair.send.request({ bench: 'frames', input: copies(recorded), expected: copies(recorded) });
    pairs.set(target, pair);
  }
}

let nextRun = 0;

/** Each target in the given order: every recorded frame sealed by its sender, then opened by its receiver. */
async function benchRound(order: FrameTarget[]): Promise<Partial<Record<FrameTarget, TargetRound>>> {
  const round: Partial<Record<FrameTarget, TargetRound>> = {};
  for (const target of order) {
    const pair = pairs.get(target);
    if (!pair) throw new Error(`${target} not prepared`);
    const sealed = await pair.send.request({ bench: 'run', id: nextRun++, keepOutputs: true });
    if (sealed.bench !== 'result' || !sealed.result.outputs) throw new Error(`${target}: no sealed frames`);
    const { outputs, ...seal } = sealed.result;
    await pair.receive.request({ bench: 'frames', input: outputs, expected: copies(recorded) });
    const opened = await pair.receive.request({ bench: 'run', id: nextRun++, keepOutputs: false });
    if (opened.bench !== 'result') throw new Error(`${target}: no opened frames`);
    round[target] = { seal, open: opened.result };
  }
  return round;
}

async function benchRecord(warmupMs: number, recordMs: number): Promise<RecordedSummary> {
  recorded = await recordFrames(warmupMs, recordMs);
  const meanBytes = (list: EncodedFrame[]) => list.reduce((sum, f) => sum + f.data.byteLength, 0) / Math.max(1, list.length);
  const metadata = recorded.video[0]?.getMetadata() as { width?: number; height?: number } | undefined;
  return {
    video: recorded.video.length,
    audio: recorded.audio.length,
    videoKeyFrames: recorded.video.filter((f) => f.type === 'key').length,
    videoMeanBytes: meanBytes(recorded.video),
    audioMeanBytes: meanBytes(recorded.audio),
    width: metadata?.width ?? 0,
    height: metadata?.height ?? 0,
  };
}

Object.assign(window, {
  benchRecord,
  benchPrepare,
  benchRound,
  benchLiveKitComplaints: () => [...complaints],
} satisfies BenchWindow);
