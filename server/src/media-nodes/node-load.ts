import { readFile } from 'node:fs/promises';
import type { WorkerPool } from '@care/media';

/**
 * A media node's load for placement: the larger of its CPU share (its
 * workers' CPU time over the interval, per worker, 0–1) and its egress share
 * (bytes sent by the machine's, or the namespace's, interfaces against the
 * configured egress capacity).
 */
export class NodeLoad {
  #lastAt = Date.now();
  #lastCpuMs: number | undefined;
  #lastTxBytes: number | undefined;

  constructor(
    private readonly pool: WorkerPool,
    private readonly egressBitsPerSecond: number,
  ) {}

  async sample(): Promise<number> {
    const now = Date.now();
    const seconds = Math.max((now - this.#lastAt) / 1000, 0.001);
    this.#lastAt = now;
    const cpuMs = await this.#workersCpuMs();
    const txBytes = await transmittedBytes();
    const cpu = this.#lastCpuMs === undefined ? 0 : (cpuMs - this.#lastCpuMs) / (seconds * 1000 * Math.max(this.pool.size, 1));
    const egress = this.#lastTxBytes === undefined || txBytes === undefined ? 0 : ((txBytes - this.#lastTxBytes) * 8) / seconds / this.egressBitsPerSecond;
    this.#lastCpuMs = cpuMs;
    this.#lastTxBytes = txBytes;
    return Math.max(0, Math.min(1, Math.max(cpu, egress)));
  }

  async #workersCpuMs(): Promise<number> {
    const usages = await Promise.all(this.pool.running().map((slot) => slot.worker.getResourceUsage().catch(() => undefined)));
    return usages.reduce((sum, usage) => sum + (usage ? usage.ru_utime + usage.ru_stime : 0), 0);
  }
}

/** Bytes sent by every interface but loopback (Linux; undefined elsewhere). */
async function transmittedBytes(): Promise<number | undefined> {
  try {
    const lines = (await readFile('/proc/net/dev', 'utf8')).split('\n').slice(2);
    let total = 0;
    for (const line of lines) {
      const [name, counters] = line.split(':');
      if (!name || !counters || name.trim() === 'lo') continue;
      total += Number(counters.trim().split(/\s+/)[8] ?? 0);
    }
    return total;
  } catch {
    return undefined;
  }
}
