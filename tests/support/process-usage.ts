import { readFileSync } from 'node:fs';

/** CPU time (user + system, ms) and resident memory (MB) of a process, from /proc. */
export function processUsage(pid: number): { cpuMs: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at the closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  // Linux reports CPU time in clock ticks of 1/100 s (USER_HZ).
  return { cpuMs: ticks * 10, rssMb: rssKb / 1024 };
}

/** Watches processes' CPU over a stretch of wall time: percent of one core each, and their memory at the end. */
export function cpuWatch(pids: Record<string, number>): () => Record<string, { cpuPct: number; rssMb: number }> {
  const started = Date.now();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, processUsage(pid).cpuMs]));
  return () => {
    const elapsed = Math.max(1, Date.now() - started);
    return Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => {
        const now = processUsage(pid);
        return [name, { cpuPct: Math.round(((now.cpuMs - (before[name] ?? 0)) / elapsed) * 1000) / 10, rssMb: Math.round(now.rssMb) }];
      }),
    );
  };
}
