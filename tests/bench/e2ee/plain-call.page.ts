/*
 * The control of the throttled call in `bench:e2ee`: one side of a 1:1 call
 * through mediasoup with the app's media (the camera and microphone as the
 * app's page captured them, the video in the app's simulcast layers, played
 * in a video element), but no app and no end-to-end encryption: no frame
 * transform, no MLS, no Svelte, no Socket.IO. What this page decodes under
 * the same CPU throttling is what the machine allows without E2EE.
 */
import { Device, type types } from 'mediasoup-client';
import { wireTransport } from '../transport-signalling.js';

export interface PlainMedia {
  /** The app's local camera settings (getSettings of its track). */
  video: { width: number; height: number; frameRate: number };
  /** The encodings of the app's video sender (getParameters). */
  encodings: RTCRtpEncodingParameters[];
}

export interface PlainCallWindow {
  plainRequest(method: string, data: string): Promise<string>;
  plainSend(peer: string, media: PlainMedia): Promise<void>;
  plainReceive(peer: string, from: string, spatialLayer: number): Promise<void>;
}

const w = window as unknown as PlainCallWindow;
let device: Device | undefined;

async function call<T>(method: string, data: unknown): Promise<T> {
  return JSON.parse(await w.plainRequest(method, JSON.stringify(data))) as T;
}

async function loadedDevice(): Promise<Device> {
  if (!device) {
    device = new Device();
    await device.load({ routerRtpCapabilities: await call<types.RtpCapabilities>('capabilities', {}) });
  }
  return device;
}

w.plainSend = async (peer, media) => {
  const transport = (await loadedDevice()).createSendTransport(await call<types.TransportOptions>('transport', { peer }));
  wireTransport(transport, call);
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: true,
    video: { width: { ideal: media.video.width }, height: { ideal: media.video.height }, frameRate: { ideal: media.video.frameRate, max: 30 } },
  });
  for (const track of stream.getTracks()) {
    await transport.produce({ track, ...(track.kind === 'video' ? { encodings: media.encodings } : { codecOptions: { opusFec: true } }) });
  }
};

w.plainReceive = async (peer, from, spatialLayer) => {
  const loaded = await loadedDevice();
  const transport = loaded.createRecvTransport(await call<types.TransportOptions>('transport', { peer }));
  wireTransport(transport, call);
  const offers = await call<Array<{ id: string; producerId: string; kind: types.MediaKind; rtpParameters: types.RtpParameters }>>('consume', {
    id: transport.id,
    from,
    rtpCapabilities: loaded.recvRtpCapabilities,
    spatialLayer,
  });
  for (const offer of offers) {
    const consumer = await transport.consume(offer);
    const element = document.createElement(offer.kind === 'video' ? 'video' : 'audio');
    element.autoplay = true;
    if (element instanceof HTMLVideoElement) {
      element.playsInline = true;
      element.muted = true;
      element.style.width = '100%';
    }
    element.srcObject = new MediaStream([consumer.track]);
    document.body.append(element);
    await call('resume', { id: consumer.id });
    void element.play().catch(() => undefined);
  }
};
