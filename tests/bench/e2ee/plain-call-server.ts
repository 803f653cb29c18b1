import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { routerCodecs } from '@care/media';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Page } from 'playwright-core';
import { bundleForBrowser, chunkNamed, exposeRequests, startPageServer } from '../page-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface PlainCallServer {
  url: string;
  /** Gives a page the `plainRequest` function the plain call page signals through. */
  expose(page: Page): Promise<void>;
  close(): void;
}

/**
 * mediasoup on loopback for the throttled call's control: one router with the
 * codecs of the app's 1:1 room (`routerCodecs('pair')`), two peers that each
 * send and receive, consumers created paused and resumed by the page, the
 * video consumer held to the simulcast layer asked for (as the app's
 * `room:consumer-view` does). Signalling goes through page functions: the
 * control measures steady decoding, not how fast a call is set up.
 */
export async function startPlainCallServer(workerBin: string | undefined): Promise<PlainCallServer> {
  const bundle = await bundleForBrowser(path.join(here, 'plain-call.page.ts'));
  const worker = await mediasoup.createWorker({ logLevel: 'warn', ...(workerBin ? { workerBin } : {}) });
  const router = await worker.createRouter({ mediaCodecs: routerCodecs('pair') });
  const transports = new Map<string, types.WebRtcTransport>();
  const producersOf = new Map<string, types.Producer[]>();
  const transportPeer = new Map<string, string>();
  const consumers = new Map<string, types.Consumer>();

  const transportById = (id: unknown): types.WebRtcTransport => {
    const transport = transports.get(String(id));
    if (!transport) throw new Error('no such transport');
    return transport;
  };

  const handlers: Record<string, (data: Record<string, unknown>) => Promise<unknown>> = {
    capabilities: async () => router.rtpCapabilities,
    transport: async ({ peer }) => {
      const t = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
      transports.set(t.id, t);
      transportPeer.set(t.id, String(peer));
      return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
    },
    connect: async ({ id, dtlsParameters }) => {
      await transportById(id).connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
      return {};
    },
    produce: async ({ id, kind, rtpParameters }) => {
      const producer = await transportById(id).produce({ kind: kind as types.MediaKind, rtpParameters: rtpParameters as types.RtpParameters });
      const peer = transportPeer.get(String(id))!;
      producersOf.set(peer, [...(producersOf.get(peer) ?? []), producer]);
      return { id: producer.id };
    },
    consume: async ({ id, from, rtpCapabilities, spatialLayer }) => {
      const offers = [];
      for (const producer of producersOf.get(String(from)) ?? []) {
        const consumer = await transportById(id).consume({ producerId: producer.id, rtpCapabilities: rtpCapabilities as types.RtpCapabilities, paused: true });
        if (consumer.type === 'simulcast') await consumer.setPreferredLayers({ spatialLayer: Number(spatialLayer) });
        consumers.set(consumer.id, consumer);
        offers.push({ id: consumer.id, producerId: producer.id, kind: consumer.kind, rtpParameters: consumer.rtpParameters });
      }
      return offers;
    },
    resume: async ({ id }) => {
      await consumers.get(String(id))?.resume();
      return {};
    },
  };

  const server = await startPageServer({ title: 'plain call', entry: chunkNamed(bundle, 'plain-call.page'), scripts: bundle });
  return {
    url: server.url,
    expose: (page) => exposeRequests(page, 'plainRequest', handlers),
    close: () => {
      server.close();
      worker.close();
    },
  };
}
