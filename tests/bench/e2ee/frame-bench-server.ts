import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser, chunkNamed, startPageServer, type PageServer } from '../page-server.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');

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

/**
 * The page and workers of the side-by-side frame bench, on loopback. Every
 * answer is cross-origin isolated (COOP + COEP), which gives the page and its
 * workers a 5 µs clock instead of a 100 µs one.
 */
export async function startFrameBenchServer(): Promise<PageServer> {
  // The workers under test are fetched by the harness as they ship, never bundled into it.
  const external = [/^\/targets\//];
  const page = await bundleForBrowser(path.join(here, 'frame-bench.page.ts'));
  const harness = await bundleForBrowser(path.join(here, 'frame-harness.worker.ts'), external);
  const recorder = await bundleForBrowser(path.join(here, 'frame-recorder.worker.ts'));
  const scripts = new Map<string, string>(page);
  scripts.set('/harness.js', harness.get(chunkNamed(harness, 'frame-harness.worker'))!);
  scripts.set('/recorder.js', recorder.get(chunkNamed(recorder, 'frame-recorder.worker'))!);
  scripts.set('/targets/care.js', shippedCareWorker());
  scripts.set('/targets/livekit.mjs', shippedLiveKitWorker());
  return startPageServer({
    title: 'frame bench',
    entry: chunkNamed(page, 'frame-bench.page'),
    scripts,
    headers: { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cache-control': 'no-store' },
  });
}
