// The baseline for join benchmarks: the least a mediasoup receiver can do.
// No auth, no database, no lobby, no E2EE: load the device, open a receive
// transport, consume the producer that is already there, play it. Signalling
// goes over a Socket.IO connection to the bare server, as the app's does.
import { Device, type types } from 'mediasoup-client';
import { io, type Socket } from 'socket.io-client';
import { wireTransport } from '../transport-signalling.js';

declare global {
  interface Window {
    bareConnected: Promise<void>;
    bareProduce: () => Promise<void>;
    bareJoin: () => Promise<number>;
    bareCircleReady: () => Promise<void>;
  }
}

const socket: Socket = io({ transports: ['websocket'] });
window.bareConnected = new Promise((resolve) => socket.once('connect', () => resolve()));

async function call<T>(method: string, data: unknown = {}): Promise<T> {
  const answer = (await socket.timeout(10_000).emitWithAck(`bare:${method}`, data)) as { ok: boolean; data?: T; error?: string };
  if (!answer.ok) throw new Error(`${method}: ${answer.error ?? 'failed'}`);
  return answer.data as T;
}

async function loadDevice(): Promise<Device> {
  const device = new Device();
  await device.load({ routerRtpCapabilities: await call<types.RtpCapabilities>('capabilities') });
  return device;
}

window.bareProduce = async () => {
  await window.bareConnected;
  const device = await loadDevice();
  const transport = device.createSendTransport(await call<types.TransportOptions>('transport'));
  wireTransport(transport, call);
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: true });
  for (const track of stream.getTracks()) await transport.produce({ track });
};

/**
 * Resolves with milliseconds from the call (the connection already open, as a
 * page's is once loaded) to the first remote video frame presented
 * (requestVideoFrameCallback).
 */
window.bareJoin = async () => {
  await window.bareConnected;
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

/**
 * The circle floor's member: produces its microphone and connects a receive
 * transport ahead (as a page waiting in the app's lobby has), then, when the
 * server says go, consumes everyone else's audio in one renegotiation and
 * plays it. The benchmark watches the decoding from outside, as it does the app's.
 */
window.bareCircleReady = async () => {
  await window.bareConnected;
  const device = await loadDevice();
  const send = device.createSendTransport(await call<types.TransportOptions>('transport'));
  wireTransport(send, call);
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  for (const track of stream.getAudioTracks()) await send.produce({ track });
  const receive = device.createRecvTransport(await call<types.TransportOptions>('transport'));
  wireTransport(receive, call);
  const warm = await call<{ id: string; producerId: string; kind: 'audio'; rtpParameters: types.RtpParameters }>('warm', {
    id: receive.id,
    rtpCapabilities: device.recvRtpCapabilities,
  });
  (await receive.consume(warm)).close();
  await call('close', { id: warm.id });
  socket.once('bare:go', () => {
    void (async () => {
      const others = await call<{ id: string; producerId: string; kind: 'audio'; rtpParameters: types.RtpParameters }[]>('consumeOthers', {
        id: receive.id,
        rtpCapabilities: device.recvRtpCapabilities,
      });
      const consumers = await Promise.all(others.map((params) => receive.consume(params)));
      for (const consumer of consumers) {
        const audio = document.createElement('audio');
        audio.autoplay = true;
        audio.srcObject = new MediaStream([consumer.track]);
        document.body.append(audio);
      }
      await call('resumeMany', { ids: consumers.map((c) => c.id) });
    })();
  });
};
