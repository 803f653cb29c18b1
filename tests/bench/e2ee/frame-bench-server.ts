import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');

export interface FrameBenchServer {
  /** A localhost origin: pages are a secure context (WebCrypto, workers). */
  url: string;
  close(): void;
}

/** Our frame worker exactly as the app ships it: the built web app's worker file that the app's own code loads. */
function shippedCareWorker(): string {
  const immutable = path.join(repo, 'web/build/_app/immutable');
  const workers = readdirSync(path.join(immutable, 'workers')).filter((name) => name.startsWith('frame-crypto.worker-') && name.endsWith('.js'));
  // A stale file of an earlier build may lie beside it: take the one the app's chunks refer to.
  const app = readdirSync(immutable, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.js') && !name.startsWith('workers'))
    .map((name) => readFileSync(path.join(immutable, name), 'utf8'))
    .join('\n');
  const loaded = workers.filter((name) => app.includes(name));
  if (loaded.length !== 1) throw new Error(`expected one frame worker loaded by the built app, found ${loaded.length}: build the web app first`);
  return readFileSync(path.join(immutable, 'workers', loaded[0]!), 'utf8');
}

/** LiveKit's E2EE worker exactly as its npm package ships it (the `livekit-client/e2ee-worker` export). */
function shippedLiveKitWorker(): string {
  return readFileSync(path.join(repo, 'node_modules/livekit-client/dist/livekit-client.e2ee.worker.mjs'), 'utf8');
}

async function bundle(input: string): Promise<Map<string, string>> {
  // The workers under test are fetched by the harness as they ship, never bundled into it.
  const result = await build({ input: path.join(here, input), external: [/^\/targets\//], write: false, platform: 'browser', output: { format: 'esm' }, logLevel: 'silent' });
  return new Map(result.output.flatMap((chunk) => (chunk.type === 'chunk' ? [[`/${chunk.fileName}`, chunk.code] as const] : [])));
}

/**
 * The page and workers of the side-by-side frame bench, on loopback. Every
 * answer is cross-origin isolated (COOP + COEP), which gives the page and its
 * workers a 5 µs clock instead of a 100 µs one.
 */
export async function startFrameBenchServer(): Promise<FrameBenchServer> {
  const page = await bundle('frame-bench.page.ts');
  const harness = await bundle('frame-harness.worker.ts');
  const recorder = await bundle('frame-recorder.worker.ts');
  const entry = (chunks: Map<string, string>, name: string) => {
    const key = [...chunks.keys()].find((fileName) => fileName.includes(name));
    if (!key) throw new Error(`bench bundle without ${name}`);
    return key;
  };
  const pageEntry = entry(page, 'frame-bench.page');
  const scripts = new Map<string, string>(page);
  scripts.set('/harness.js', harness.get(entry(harness, 'frame-harness.worker'))!);
  scripts.set('/recorder.js', recorder.get(entry(recorder, 'frame-recorder.worker'))!);
  scripts.set('/targets/care.js', shippedCareWorker());
  scripts.set('/targets/livekit.mjs', shippedLiveKitWorker());
  const html = `<!doctype html><html><head><title>frame bench</title></head><body><script type="module" src="${pageEntry}"></script></body></html>`;

  const server = http.createServer((req, res) => {
    const isolation = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'no-store' };
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const script = scripts.get(pathname);
    if (script !== undefined) {
      res.writeHead(200, { ...isolation, 'content-type': 'text/javascript' });
      res.end(script);
      return;
    }
    res.writeHead(pathname === '/' ? 200 : 404, { ...isolation, 'content-type': 'text/html' });
    res.end(pathname === '/' ? html : 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://localhost:${(server.address() as AddressInfo).port}/`, close: () => server.close() };
}
