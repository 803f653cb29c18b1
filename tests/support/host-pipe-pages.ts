import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { Server } from 'socket.io';
import { bundleForBrowser, chunkNamed, startPageServer, type PageServer } from '../bench/page-server.js';
import type { InboundVideo } from './host-pipe-page.js';
import type { MediaHostPair } from './media-hosts.js';

export type { InboundVideo };

const here = path.dirname(fileURLToPath(import.meta.url));

/**
 * Serves the bare pipe page (host-pipe-page.ts) on localhost and passes each
 * page's signalling to the media host its address names (`?host=a|b`).
 */
export async function startHostPipePages(hosts: MediaHostPair): Promise<PageServer> {
  const bundle = await bundleForBrowser(path.join(here, 'host-pipe-page.ts'));
  const io = new Server({ serveClient: false });
  io.on('connection', (socket) => {
    const host = socket.handshake.query.host === 'b' ? hosts.b : hosts.a;
    socket.onAny((event: string, data: Record<string, unknown>, ack: unknown) => {
      if (!event.startsWith('hp:') || typeof ack !== 'function') return;
      host.call(event.slice(3), data ?? {}).then(
        (result) => ack({ ok: true, data: result }),
        (error: unknown) => ack({ ok: false, error: String(error) }),
      );
    });
  });
  const server = await startPageServer({ title: 'host pipe', entry: chunkNamed(bundle, 'host-pipe-page'), scripts: bundle, attach: (http) => io.attach(http) });
  return {
    url: server.url,
    close: () => {
      void io.close();
      server.close();
    },
  };
}

export const inboundVideo = (page: Page): Promise<InboundVideo> => page.evaluate(() => window.hpInbound());
