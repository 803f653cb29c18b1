// A bare mediasoup page for the cross-host pipe tests (no app, no E2EE):
// it signals over Socket.IO to the test, which passes each request to the
// media host named in the page's address (`?host=a|b`). A sender page
// produces the fake camera; a receiver page consumes a producer (the far
// host's, piped to its own) and keeps its inbound video counters at hand.
import { Device, type types } from 'mediasoup-client';
import { io, type Socket } from 'socket.io-client';
import { wireTransport } from '../bench/transport-signalling.js';

/** Inbound video on a receiver page, summed over its consumers. */
export interface InboundVideo {
  framesDecoded: number;
  freezeCount: number;
  totalFreezesDuration: number;
  packetsReceived: number;
  packetsLost: number;
  nackCount: number;
}

declare global {
  interface Window {
    hpConnected: Promise<void>;
    hpProduce: () => Promise<string>;
    hpConsume: (producerId: string, far: boolean) => Promise<string>;
    hpInbound: () => Promise<InboundVideo>;
  }
}

const host = new URLSearchParams(location.search).get('host') ?? 'a';
const socket: Socket = io({ transports: ['websocket'], query: { host } });
window.hpConnected = new Promise((resolve) => socket.once('connect', () => resolve()));

async function call<T>(method: string, data: unknown = {}): Promise<T> {
  const answer = (await socket.timeout(30_000).emitWithAck(`hp:${method}`, data)) as { ok: boolean; data?: T; error?: string };
  if (!answer.ok) throw new Error(`${method}: ${answer.error ?? 'failed'}`);
  return answer.data as T;
}

let device: Device | undefined;
async function loadedDevice(): Promise<Device> {
  if (device) return device;
  const fresh = new Device();
  await fresh.load({ routerRtpCapabilities: await call<types.RtpCapabilities>('capabilities') });
  device = fresh;
  return fresh;
}

window.hpProduce = async () => {
  await window.hpConnected;
  const loaded = await loadedDevice();
  const transport = loaded.createSendTransport(await call<types.TransportOptions>('transport'));
  wireTransport(transport, call);
  const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 360 } });
  const producer = await transport.produce({ track: stream.getVideoTracks()[0]! });
  return producer.id;
};

let recvTransport: types.Transport | undefined;
const receivers: RTCRtpReceiver[] = [];

window.hpConsume = async (producerId, far) => {
  await window.hpConnected;
  const loaded = await loadedDevice();
  if (!recvTransport) {
    recvTransport = loaded.createRecvTransport(await call<types.TransportOptions>('transport'));
    wireTransport(recvTransport, call);
  }
  const params = await call<{ id: string; producerId: string; kind: 'video'; rtpParameters: types.RtpParameters }>('consume', {
    id: recvTransport.id,
    producerId,
    far,
    rtpCapabilities: loaded.recvRtpCapabilities,
  });
  const consumer = await recvTransport.consume(params);
  if (consumer.rtpReceiver) receivers.push(consumer.rtpReceiver);
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.srcObject = new MediaStream([consumer.track]);
  document.body.append(video);
  await call('resume', { id: consumer.id });
  void video.play().catch(() => undefined);
  return consumer.id;
};

/** Inbound video counters summed over every consumer this page made (a re-piped one adds to the old). */
window.hpInbound = async () => {
  const total: InboundVideo = { framesDecoded: 0, freezeCount: 0, totalFreezesDuration: 0, packetsReceived: 0, packetsLost: 0, nackCount: 0 };
  for (const receiver of receivers) {
    (await receiver.getStats()).forEach((stat: Partial<InboundVideo> & { type: string }) => {
      if (stat.type !== 'inbound-rtp') return;
      total.framesDecoded += stat.framesDecoded ?? 0;
      total.freezeCount += stat.freezeCount ?? 0;
      total.totalFreezesDuration += stat.totalFreezesDuration ?? 0;
      total.packetsReceived += stat.packetsReceived ?? 0;
      total.packetsLost += stat.packetsLost ?? 0;
      total.nackCount += stat.nackCount ?? 0;
    });
  }
  return total;
};
