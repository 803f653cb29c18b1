import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { build, type InputOptions } from 'rolldown';

/** A benchmark's own page on loopback; `url` is a localhost origin, so the page is a secure context. */
export interface PageServer {
  url: string;
  close(): void;
}

/** Bundles a page or worker entry for Chromium: every chunk by its served path (`/name.js`). */
export async function bundleForBrowser(input: string, external: InputOptions['external'] = []): Promise<Map<string, string>> {
  const result = await build({ input, external, write: false, platform: 'browser', output: { format: 'esm' }, logLevel: 'silent' });
  return new Map(result.output.flatMap((chunk) => (chunk.type === 'chunk' ? [[`/${chunk.fileName}`, chunk.code] as const] : [])));
}

/** The served path of a bundle's chunk whose name contains `name` (its entry). */
export function chunkNamed(chunks: Map<string, string>, name: string): string {
  const key = [...chunks.keys()].find((fileName) => fileName.includes(name));
  if (!key) throw new Error(`bundle without ${name}`);
  return key;
}

/** Serves an HTML page at / that loads the module `entry`, and the scripts by path, with `headers` on every answer (Socket.IO's own paths excepted, when attached). */
export async function startPageServer(options: {
  title: string;
  entry: string;
  scripts: Map<string, string>;
  headers?: Record<string, string>;
  /** Something more on the same server (a Socket.IO endpoint the page signals to). */
  attach?: (server: http.Server) => void;
}): Promise<PageServer> {
  const html = `<!doctype html><html><head><title>${options.title}</title></head><body style="margin:0"><script type="module" src="${options.entry}"></script></body></html>`;
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const script = options.scripts.get(pathname);
    const found = script !== undefined || pathname === '/';
    res.writeHead(found ? 200 : 404, { ...options.headers, 'content-type': script !== undefined ? 'text/javascript' : 'text/html' });
    res.end(script ?? (found ? html : 'not found'));
  });
  options.attach?.(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://localhost:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}

/** Signalling by page function calls: the page calls `window[name](method, json)` and gets the handler's answer as JSON. */
export async function exposeRequests(page: Page, name: string, handlers: Record<string, (data: Record<string, unknown>) => Promise<unknown>>): Promise<void> {
  await page.exposeFunction(name, async (method: string, data: string) => {
    const handler = handlers[method];
    if (!handler) throw new Error(`unknown method ${method}`);
    return JSON.stringify(await handler(JSON.parse(data) as Record<string, unknown>));
  });
}
