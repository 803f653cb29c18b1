import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { BrowserHarness } from './browser-harness.js';
import { MediaNodeProcess } from './media-node-process.js';
import { namespacesUsable } from './network-namespace.js';

/** A signal node (this process, CARE_ROLE=signal, with a browser) driving media node processes. */
export interface SignalOnMediaNodes {
  h: BrowserHarness;
  /** The running media nodes; a test may add more (`startAnother`), and all are stopped after the file. */
  nodes: MediaNodeProcess[];
  /** Starts media node `index` (2, 3, …) on the same Redis database and secret. */
  startAnother(index: number): Promise<MediaNodeProcess>;
}

/**
 * Before the file's tests: two media nodes (`MediaNodeProcess.startPair`,
 * each in its own network namespace, so root only) on a Redis database of
 * the file's own (the media-node registry is global to a database), each
 * draining for up to ten minutes when told to stop, then the signal node.
 * `skipped` says why, when namespaces are not usable here (the file says so
 * rather than pass quietly); otherwise `stage()` gives the running stage.
 */
export function useSignalOnMediaNodes(name: string, redisDb: number): { skipped: string | undefined; stage: () => SignalOnMediaNodes } {
  const probe = namespacesUsable();
  const skipped = probe.usable ? undefined : `network namespaces are not usable here (needs root): ${probe.why}`;
  if (skipped) console.warn(`SKIPPED ${name}: ${skipped}`);
  const secret = randomBytes(32).toString('base64');
  const nodeEnv = { MEDIA_CONTROL_SECRET: secret, MEDIA_DRAIN_GRACE_SECONDS: '600' };
  let stage: SignalOnMediaNodes | undefined;
  const nodes: MediaNodeProcess[] = [];
  beforeAll(async () => {
    if (skipped) return;
    const redisUrl = `${inject('redisUrl').replace(/\/+$/, '')}/${redisDb}`;
    nodes.push(...(await MediaNodeProcess.startPair(redisUrl, nodeEnv)));
    const h = await BrowserHarness.start({ CARE_ROLE: 'signal', MEDIA_CONTROL_SECRET: secret, REDIS_URL: redisUrl });
    stage = {
      h,
      nodes,
      startAnother: async (index) => {
        const node = await MediaNodeProcess.start(index, redisUrl, nodeEnv);
        nodes.push(node);
        return node;
      },
    };
  }, 180_000);
  afterAll(async () => {
    await Promise.all([stage?.h.close(), ...nodes.map((node) => node.stop())]);
  });
  return {
    skipped,
    stage: () => {
      if (!stage) throw new Error(`${name}: the signal node and its media nodes did not start`);
      return stage;
    },
  };
}
