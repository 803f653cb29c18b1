import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mediaCodecs } from '@care/media';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Page } from 'playwright-core';
import { bundleForBrowser, chunkNamed, exposeRequests, startPageServer } from '../page-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface BareServer {
  url: string;
  /** The router, for a server-side spy (the control run of the on-the-wire test). */
  router: types.Router;
  /** The video the producing page sends, once it does. */
  videoProducer(): types.Producer | undefined;
  /** Gives a page the `bareRequest` function the bare client calls. */
  expose(page: Page): Promise<void>;
  close(): void;
}

/** Bare mediasoup on loopback: one worker, one router, signalling by page function calls. */
export async function startBareServer(workerBin: string | undefined): Promise<BareServer> {
  const bundle = await bundleForBrowser(path.join(here, 'bare-client.ts'));
  const worker = await mediasoup.createWorker({ logLevel: 'warn', ...(workerBin ? { workerBin } : {}) });
  const router = await worker.createRouter({ mediaCodecs });
  const transports = new Map<string, types.WebRtcTransport>();
  const consumers = new Map<string, types.Consumer>();
  let videoProducer: types.Producer | undefined;

  const handlers: Record<string, (data: Record<string, unknown>) => Promise<unknown>> = {
    capabilities: async () => router.rtpCapabilities,
    transport: async () => {
      const t = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
      transports.set(t.id, t);
      return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
    },
    connect: async ({ id, dtlsParameters }) => {
      await transports.get(String(id))?.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
      return {};
    },
    produce: async ({ id, kind, rtpParameters }) => {
      const producer = await transports.get(String(id))!.produce({ kind: kind as types.MediaKind, rtpParameters: rtpParameters as types.RtpParameters });
      if (producer.kind === 'video') videoProducer = producer;
      return { id: producer.id };
    },
    consume: async ({ id, rtpCapabilities }) => {
      if (!videoProducer) throw new Error('nothing to consume yet');
      const consumer = await transports.get(String(id))!.consume({
        producerId: videoProducer.id,
        rtpCapabilities: rtpCapabilities as types.RtpCapabilities,
        paused: true,
      });
      consumers.set(consumer.id, consumer);
      return { id: consumer.id, producerId: videoProducer.id, kind: consumer.kind, rtpParameters: consumer.rtpParameters };
    },
    resume: async ({ id }) => {
      await consumers.get(String(id))?.resume();
      return {};
    },
  };

  const server = await startPageServer({ title: 'bare', entry: chunkNamed(bundle, 'bare-client'), scripts: bundle });
  return {
    url: server.url,
    router,
    videoProducer: () => videoProducer,
    expose: (page) => exposeRequests(page, 'bareRequest', handlers),
    close: () => {
      server.close();
      worker.close();
    },
  };
}
