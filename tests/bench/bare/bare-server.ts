import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mediaCodecs } from '@care/media';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Page } from 'playwright-core';
import { Server } from 'socket.io';
import { bundleForBrowser, chunkNamed, startPageServer } from '../page-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface BareServer {
  url: string;
  /** The router, for a server-side spy (the control run of the on-the-wire test). */
  router: types.Router;
  /** The video the producing page sends, once it does. */
  videoProducer(): types.Producer | undefined;
  /**
   * Kept for callers written when the page signalled through Playwright: the
   * page now signals over its own Socket.IO connection, so there is nothing to expose.
   */
  expose(page: Page): Promise<void>;
  close(): void;
}

type Handler = (data: Record<string, unknown>) => Promise<unknown>;

/**
 * Bare mediasoup on loopback: one worker, one router, and a page that signals
 * over Socket.IO to this small server, as the app's pages signal to theirs
 * (WebSocket, acks), so the floor is measured the way the app is. No auth, no
 * database, no lobby, no E2EE.
 */
export async function startBareServer(workerBin: string | undefined): Promise<BareServer> {
  const bundle = await bundleForBrowser(path.join(here, 'bare-client.ts'));
  const worker = await mediasoup.createWorker({ logLevel: 'warn', ...(workerBin ? { workerBin } : {}) });
  const router = await worker.createRouter({ mediaCodecs });
  const transports = new Map<string, types.WebRtcTransport>();
  const consumers = new Map<string, types.Consumer>();
  let videoProducer: types.Producer | undefined;

  const handlers: Record<string, Handler> = {
    capabilities: async () => router.rtpCapabilities,
    transport: async () => {
      const t = await router.createWebRtcTransport({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] });
      transports.set(t.id, t);
      t.observer.once('close', () => transports.delete(t.id));
      return { id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters };
    },
    connect: async ({ id, dtlsParameters }) => {
      await transports.get(String(id))?.connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
      return {};
    },
    produce: async ({ id, kind, rtpParameters }) => {
      const transport = transports.get(String(id));
      if (!transport) throw new Error('no such transport');
      const producer = await transport.produce({ kind: kind as types.MediaKind, rtpParameters: rtpParameters as types.RtpParameters });
      if (producer.kind === 'video') videoProducer = producer;
      return { id: producer.id };
    },
    consume: async ({ id, rtpCapabilities }) => {
      const transport = transports.get(String(id));
      if (!videoProducer || !transport) throw new Error('nothing to consume yet');
      const consumer = await transport.consume({
        producerId: videoProducer.id,
        rtpCapabilities: rtpCapabilities as types.RtpCapabilities,
        paused: true,
      });
      consumers.set(consumer.id, consumer);
      consumer.observer.once('close', () => consumers.delete(consumer.id));
      return { id: consumer.id, producerId: videoProducer.id, kind: consumer.kind, rtpParameters: consumer.rtpParameters };
    },
    resume: async ({ id }) => {
      await consumers.get(String(id))?.resume();
      return {};
    },
  };

  const io = new Server({ serveClient: false });
  io.on('connection', (socket) => {
    const owned = new Set<string>();
    // Prefixed: "connect" and friends are Socket.IO's own event names.
    for (const [method, handler] of Object.entries(handlers)) {
      socket.on(`bare:${method}`, (data: Record<string, unknown>, ack: (answer: { ok: boolean; data?: unknown; error?: string }) => void) => {
        handler(data).then(
          (result) => {
            if (method === 'transport') owned.add((result as { id: string }).id);
            ack({ ok: true, data: result });
          },
          (error: unknown) => ack({ ok: false, error: String(error) }),
        );
      });
    }
    // A page that goes takes its transports (and their consumers) with it.
    socket.on('disconnect', () => {
      for (const id of owned) transports.get(id)?.close();
    });
  });
  const server = await startPageServer({ title: 'bare', entry: chunkNamed(bundle, 'bare-client'), scripts: bundle, attach: (http) => io.attach(http) });
  return {
    url: server.url,
    router,
    videoProducer: () => videoProducer,
    expose: async () => undefined,
    close: () => {
      void io.close();
      server.close();
      worker.close();
    },
  };
}
