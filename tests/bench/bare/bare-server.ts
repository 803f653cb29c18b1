import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mediaCodecs } from '@care/media';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Page } from 'playwright-core';
import { build } from 'rolldown';

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
  const bundle = await build({
    input: path.join(here, 'bare-client.ts'),
    write: false,
    output: { format: 'esm' },
    logLevel: 'silent',
  });
  const code = bundle.output[0].code;
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

  const server = http.createServer((req, res) => {
    if (req.url === '/bare.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(code);
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><html><body><script type="module" src="/bare.js"></script></body></html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}/`,
    router,
    videoProducer: () => videoProducer,
    expose: async (page) => {
      await page.exposeFunction('bareRequest', async (method: string, data: string) => {
        const handler = handlers[method];
        if (!handler) throw new Error(`unknown method ${method}`);
        return JSON.stringify(await handler(JSON.parse(data) as Record<string, unknown>));
      });
    },
    close: () => {
      server.close();
      worker.close();
    },
  };
}
