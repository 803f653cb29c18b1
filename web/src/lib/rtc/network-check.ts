/** What the pre-join check learned about the path to the server. */
export interface NetworkCheckResult {
  /** Median round trip of a few tiny requests, milliseconds. */
  rttMs: number;
  /** Download estimate from one incompressible transfer, megabits per second. */
  downMbps: number;
  /** Enough for video both ways (about 1.5 Mbit/s at our settings), or better audio only. */
  verdict: 'good' | 'weak' | 'audio-only';
}

const PINGS = 5;
const PROBE_BYTES = 600_000;

async function timed(url: string): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const response = await fetch(url, { cache: 'no-store', credentials: 'same-origin' });
  if (!response.ok) throw new Error(`network check answered ${response.status}`);
  const body = await response.arrayBuffer();
  return { ms: performance.now() - started, bytes: body.byteLength };
}

/** Measures round trip and download rate to the CARE ASN server itself (never a third party). */
export async function checkNetwork(): Promise<NetworkCheckResult> {
  const pings: number[] = [];
  for (let i = 0; i < PINGS; i++) pings.push((await timed('/api/network-check')).ms);
  pings.sort((a, b) => a - b);
  const rttMs = pings[Math.floor(pings.length / 2)] ?? 0;
  const probe = await timed(`/api/network-check?bytes=${PROBE_BYTES}`);
  const transferMs = Math.max(1, probe.ms - rttMs);
  const downMbps = (probe.bytes * 8) / (transferMs * 1000);
  const verdict = downMbps < 0.6 || rttMs > 800 ? 'audio-only' : downMbps < 2 || rttMs > 300 ? 'weak' : 'good';
  return { rttMs, downMbps, verdict };
}
