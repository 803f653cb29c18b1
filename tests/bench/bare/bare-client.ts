// The baseline for join benchmarks: the least a mediasoup receiver can do.
// No auth, no database, no lobby, no E2EE: load the device, open a receive
// transport, consume the producer that is already there, play it.
import { Device, type types } from 'mediasoup-client';
import { wireTransport } from '../transport-signalling.js';

type Request = (method: string, data: string) => Promise<string>;

declare global {
  interface Window {
    bareRequest: Request;
    bareProduce: () => Promise<void>;
    bareJoin: () => Promise<number>;
  }
}

async function call<T>(method: string, data: unknown = {}): Promise<T> {
  return JSON.parse(await window.bareRequest(method, JSON.stringify(data))) as T;
}

async function loadDevice(): Promise<Device> {
  const device = new Device();
  await device.load({ routerRtpCapabilities: await call<types.RtpCapabilities>('capabilities') });
  return device;
}

window.bareProduce = async () => {
  const device = await loadDevice();
  const transport = device.createSendTransport(await call<types.TransportOptions>('transport'));
  wireTransport(transport, call);
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: true });
  for (const track of stream.getTracks()) await transport.produce({ track });
};

/** Resolves with milliseconds from the call to the first remote video frame presented (requestVideoFrameCallback). */
window.bareJoin = async () => {
  const start = performance.now();
  const device = await loadDevice();
  const transport = device.createRecvTransport(await call<types.TransportOptions>('transport'));
  wireTransport(transport, call);
  const params = await call<{ id: string; producerId: string; kind: 'video'; rtpParameters: types.RtpParameters }>('consume', {
    id: transport.id,
    rtpCapabilities: device.recvRtpCapabilities,
  });
  const consumer = await transport.consume(params);
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([consumer.track]);
  document.body.append(video);
  const firstFrame = new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve()));
  await call('resume', { id: consumer.id });
  void video.play().catch(() => undefined);
  await firstFrame;
  const elapsed = performance.now() - start;
  transport.close();
  video.remove();
  return elapsed;
};
