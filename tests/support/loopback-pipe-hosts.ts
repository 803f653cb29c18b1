import { mediaCodecs, type HostPipeSettings } from '@care/media';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';

/** A VP8 producer's codec as a DirectTransport is given it (NACK and PLI, as a camera's). */
export const DIRECT_VP8 = { mimeType: 'video/VP8', payloadType: 101, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }] };

/** Pipe settings for two hosts in this process, on loopback, in a port range of the test's own (a test file's hundred). */
export function loopbackPipeSettings(portMin: number, connectTimeoutMs: number): HostPipeSettings {
  return {
    listenIp: '127.0.0.1',
    portMin,
    portMax: portMin + 99,
    peerNetworks: [{ address: '127.0.0.0', prefix: 8, family: 'ipv4' }],
    watchIntervalMs: 1000,
    deadAfterMs: 4000,
    connectTimeoutMs,
  };
}

/**
 * Two media hosts in this process: one worker each, as on two machines (a
 * producer id is unique per worker, and a pipe keeps it), a router on each.
 */
export async function loopbackPipeHosts(): Promise<{ workers: [types.Worker, types.Worker]; routerA: types.Router; routerB: types.Router; close(): void }> {
  const options = { logLevel: 'none', ...(process.env.MEDIASOUP_WORKER_BIN ? { workerBin: process.env.MEDIASOUP_WORKER_BIN } : {}), disableLiburing: true } as const;
  const workers = await Promise.all([mediasoup.createWorker(options), mediasoup.createWorker(options)]);
  const [routerA, routerB] = await Promise.all(workers.map((worker) => worker.createRouter({ mediaCodecs })));
  return {
    workers,
    routerA: routerA as types.Router,
    routerB: routerB as types.Router,
    close: () => {
      for (const worker of workers) worker.close();
    },
  };
}
