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
  /** Tells every connected page to enter the circle at once (bareCircleReady pages); returns when, wall clock. */
  circleGo(): number;
  /**
   * Kept for callers written when the page signalled through Playwright: the
   * page now signals over its own Socket.IO connection, so there is nothing to expose.
   */
  expose(page: Page): Promise<void>;
  close(): void;
}

/** A page's request: its data, and the id of the connection it came on (whose producers are its own). */
type Handler = (data: Record<string, unknown>, from: string) => Promise<unknown>;

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
  /** Every producer with the connection that made it: a circle page consumes everyone's but its own. */
  const producers = new Map<string, { producer: types.Producer; from: string }>();
  let videoProducer: types.Producer | undefined;

  const consumeOn = async (transport: types.WebRtcTransport, producer: types.Producer, rtpCapabilities: types.RtpCapabilities) => {
    const consumer = await transport.consume({ producerId: producer.id, rtpCapabilities, paused: true });
    consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => consumers.delete(consumer.id));
    return { id: consumer.id, producerId: producer.id, kind: consumer.kind, rtpParameters: consumer.rtpParameters };
  };
  const transportOf = (id: unknown) => {
    const transport = transports.get(String(id));
    if (!transport) throw new Error('no such transport');
    return transport;
  };

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
    produce: async ({ id, kind, rtpParameters }, from) => {
      const producer = await transportOf(id).produce({ kind: kind as types.MediaKind, rtpParameters: rtpParameters as types.RtpParameters });
      if (producer.kind === 'video') videoProducer = producer;
      producers.set(producer.id, { producer, from });
      producer.observer.once('close', () => producers.delete(producer.id));
      return { id: producer.id };
    },
    consume: async ({ id, rtpCapabilities }) => {
      const transport = transportOf(id);
      if (!videoProducer) throw new Error('nothing to consume yet');
      return consumeOn(transport, videoProducer, rtpCapabilities as types.RtpCapabilities);
    },
    resume: async ({ id }) => {
      await consumers.get(String(id))?.resume();
      return {};
    },
    // A circle page's receive transport is connected before it enters, as the app's lobby does: through a
    // consumer of its own audio, taken and closed again (mediasoup-client connects a transport on its first use).
    warm: async ({ id, rtpCapabilities }, from) => {
      const own = [...producers.values()].find((p) => p.from === from && p.producer.kind === 'audio');
      if (!own) throw new Error('produce first');
      return consumeOn(transportOf(id), own.producer, rtpCapabilities as types.RtpCapabilities);
    },
    close: async ({ id }) => {
      consumers.get(String(id))?.close();
      return {};
    },
    // Entering a circle: everyone else's audio, in one answer (the app's page gathers its requests likewise).
    consumeOthers: async ({ id, rtpCapabilities }, from) => {
      const transport = transportOf(id);
      const others = [...producers.values()].filter((p) => p.from !== from && p.producer.kind === 'audio');
      return Promise.all(others.map((p) => consumeOn(transport, p.producer, rtpCapabilities as types.RtpCapabilities)));
    },
    resumeMany: async ({ ids }) => {
      await Promise.all((ids as string[]).map((id) => consumers.get(String(id))?.resume()));
      return {};
    },
  };

  const io = new Server({ serveClient: false });
  io.on('connection', (socket) => {
    const owned = new Set<string>();
    // Prefixed: "connect" and friends are Socket.IO's own event names.
    for (const [method, handler] of Object.entries(handlers)) {
      socket.on(`bare:${method}`, (data: Record<string, unknown>, ack: (answer: { ok: boolean; data?: unknown; error?: string }) => void) => {
        handler(data, socket.id).then(
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
    circleGo: () => {
      const at = Date.now();
      io.emit('bare:go');
      return at;
    },
    expose: async () => undefined,
    close: () => {
      void io.close();
      server.close();
      worker.close();
    },
  };
}
