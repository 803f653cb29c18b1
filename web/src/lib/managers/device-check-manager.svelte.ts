import { CameraSwitch, cameraConstraints, openCamera, type CameraHolder } from '../media/camera-switch.js';
import { checkNetwork, type NetworkCheckResult } from '../rtc/network-check.js';

/**
 * The pre-join device check: opens camera and microphone, lists the devices
 * to choose from, and measures the microphone level so people can see they
 * are heard. The stream it opens is the one the session then sends.
 */
export class DeviceCheckManager {
  stream = $state<MediaStream | undefined>(undefined);
  cameras = $state<MediaDeviceInfo[]>([]);
  microphones = $state<MediaDeviceInfo[]>([]);
  cameraId = $state<string>('');
  microphoneId = $state<string>('');
  speakers = $state<MediaDeviceInfo[]>([]);
  speakerId = $state<string>('');
  micLevel = $state(0);
  network = $state<NetworkCheckResult | undefined>(undefined);
  networkStatus = $state<'idle' | 'checking' | 'done' | 'failed'>('idle');
  speakerPlaying = $state(false);
  status = $state<'idle' | 'starting' | 'ready' | 'denied' | 'missing'>('idle');
  /** Start the session with voice only: the camera stays off (the person may switch it on in the session). */
  voiceOnly = $state(false);

  #audioContext: AudioContext | undefined;
  #levelTimer: ReturnType<typeof setInterval> | undefined;
  readonly #holder: (() => CameraHolder) | undefined;
  #cameraSwitch: CameraSwitch | undefined;

  /**
   * `holder`: whoever takes the camera's track on (the background effect), through which voice only lets go of it.
   * `cameraOff`: the session starts with the camera off (a circle), so the check does not open it unless asked to.
   */
  constructor(holder?: () => CameraHolder, { cameraOff = false }: { cameraOff?: boolean } = {}) {
    this.#holder = holder;
    this.voiceOnly = cameraOff;
  }

  get #camera(): CameraSwitch | undefined {
    if (!this.#holder) return undefined;
    this.#cameraSwitch ??= new CameraSwitch(this.#holder(), (deviceId) => openCamera(this.cameraId || deviceId));
    return this.#cameraSwitch;
  }

  async start(): Promise<void> {
    this.status = 'starting';
    this.#stopStream();
    try {
      // Voice only (or a circle): the camera is not opened at all, not even for a moment to list it; its light
      // would say "you are seen" to someone who chose not to be. Without its permission the cameras are listed
      // unnamed, and the browser asks for it when the camera is switched on.
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: this.microphoneId ? { deviceId: { exact: this.microphoneId } } : true,
        video: this.voiceOnly ? false : cameraConstraints(this.cameraId || undefined),
      });
      // The lists before the preview: the preview, the choices and the ready button then appear in one go, and
      // nothing moves under a finger about to tap (a list arriving later pushed the button away from it).
      const devices = await navigator.mediaDevices.enumerateDevices().catch(() => []);
      this.cameras = devices.filter((d) => d.kind === 'videoinput');
      this.microphones = devices.filter((d) => d.kind === 'audioinput');
      this.speakers = devices.filter((d) => d.kind === 'audiooutput');
      this.cameraId = stream.getVideoTracks()[0]?.getSettings().deviceId ?? this.cameraId;
      this.microphoneId = stream.getAudioTracks()[0]?.getSettings().deviceId ?? '';
      this.stream = stream;
      this.#meter(stream);
      this.status = 'ready';
    } catch (error) {
      const name = error instanceof DOMException ? error.name : '';
      this.status = name === 'NotFoundError' || name === 'OverconstrainedError' ? 'missing' : 'denied';
    }
  }

  /** Round trip and bandwidth to our own server, to suggest audio only on a weak line. */
  async checkNetwork(): Promise<void> {
    this.networkStatus = 'checking';
    try {
      this.network = await checkNetwork();
      this.networkStatus = 'done';
    } catch {
      this.networkStatus = 'failed';
    }
  }

  /** A short, soft two-note chime on the chosen speaker, so people know they will hear. */
  async testSpeaker(): Promise<void> {
    if (this.speakerPlaying) return;
    this.speakerPlaying = true;
    const context = new AudioContext();
    try {
      const sink = (context as AudioContext & { setSinkId?: (id: string) => Promise<void> }).setSinkId;
      if (this.speakerId && sink) await sink.call(context, this.speakerId);
      const gain = context.createGain();
      gain.gain.value = 0.15;
      gain.connect(context.destination);
      for (const [i, frequency] of [660, 880].entries()) {
        const tone = context.createOscillator();
        tone.frequency.value = frequency;
        tone.connect(gain);
        tone.start(context.currentTime + i * 0.35);
        tone.stop(context.currentTime + i * 0.35 + 0.3);
      }
      await new Promise((resolve) => setTimeout(resolve, 800));
    } finally {
      await context.close();
      this.speakerPlaying = false;
    }
  }

  /**
   * Voice only on or off: the camera is let go of (its light goes out, the
   * preview goes dark), or opened again. Should it not open, voice only stays.
   */
  async setVoiceOnly(on: boolean): Promise<void> {
    this.voiceOnly = on;
    if (on) {
      if (this.#camera) this.#camera.off();
      else if (this.stream) this.#dropCamera(this.stream);
      return;
    }
    try {
      if (this.#camera) await this.#camera.on();
      else await this.start();
    } catch {
      this.voiceOnly = true;
    }
  }

  #dropCamera(stream: MediaStream): void {
    for (const track of stream.getVideoTracks()) {
      stream.removeTrack(track);
      track.stop();
    }
  }

  /** Hands the stream over to the session; the check stops watching it. */
  takeStream(): MediaStream | undefined {
    this.#stopMeter();
    return this.stream;
  }

  stop(): void {
    this.#stopMeter();
    this.#stopStream();
  }

  #meter(stream: MediaStream): void {
    this.#stopMeter();
    if (stream.getAudioTracks().length === 0) return;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    this.#audioContext = context;
    this.#levelTimer = setInterval(() => {
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s - 128));
      this.micLevel = Math.min(1, peak / 64);
    }, 100);
  }

  #stopMeter(): void {
    if (this.#levelTimer) clearInterval(this.#levelTimer);
    this.#levelTimer = undefined;
    void this.#audioContext?.close();
    this.#audioContext = undefined;
  }

  #stopStream(): void {
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = undefined;
  }
}
