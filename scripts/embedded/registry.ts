// pids.json: which processes a stack started, so the next start can clean up
// after a parent that died without stopping them (kill -9, OOM, power loss of a terminal).
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cmdlineOf, isAlive, sleep, startTimeOf, type Log } from './proc.ts';

export interface ServiceEntry {
  name: 'redis' | 'postgres' | 'ferretdb';
  pid: number;
  /** Must appear in /proc/PID/cmdline, so a reused pid is never killed. */
  match: string;
}

interface RegistryFile {
  owner: { pid: number; startTime: string | undefined };
  services: ServiceEntry[];
}

export class PidRegistry {
  readonly file: string;
  private services: ServiceEntry[] = [];

  constructor(file: string) {
    this.file = file;
  }

  /**
   * Claims the registry for this process. Throws if a live process owns it (a
   * second stack of the same purpose would otherwise kill the first's services).
   * Returns the leftovers of a dead owner for the caller to stop.
   */
  claim(purpose: string): ServiceEntry[] {
    const previous = read(this.file);
    let leftovers: ServiceEntry[] = [];
    if (previous) {
      const { pid, startTime } = previous.owner;
      // Includes this very process: a second start before stop() must not kill the first stack's services.
      if (isAlive(pid) && startTimeOf(pid) === startTime) {
        const who = pid === process.pid ? 'this process' : `process ${pid} (${cmdlineOf(pid) || 'unknown'})`;
        throw new Error(
          `the '${purpose}' services of this checkout are already run by ${who}; ` +
            `stop them first, or set REDIS_URL and MONGODB_URI to use them (see ${this.file})`,
        );
      }
      leftovers = previous.services.filter((s) => isAlive(s.pid) && cmdlineOf(s.pid).includes(s.match));
    }
    this.services = [];
    this.write();
    return leftovers;
  }

  add(entry: ServiceEntry): void {
    this.services.push(entry);
    this.write();
  }

  release(): void {
    rmSync(this.file, { force: true });
  }

  private write(): void {
    const content: RegistryFile = { owner: { pid: process.pid, startTime: startTimeOf(process.pid) }, services: this.services };
    // Atomic, so a crash mid-write never leaves a half file that hides leftovers.
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(content, null, 2)}\n`);
    renameSync(tmp, this.file);
  }
}

function read(file: string): RegistryFile | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as RegistryFile;
    return Array.isArray(parsed.services) && typeof parsed.owner?.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function killLeftover(entry: ServiceEntry, log: Log, graceMs = 5000): Promise<void> {
  log(`[services] stopping leftover ${entry.match} (pid ${entry.pid}) from a previous run`);
  const stillOurs = (): boolean => isAlive(entry.pid) && cmdlineOf(entry.pid).includes(entry.match);
  try {
    process.kill(entry.pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (stillOurs() && Date.now() < deadline) await sleep(100);
  if (stillOurs()) {
    try {
      process.kill(entry.pid, 'SIGKILL');
    } catch {
      // Gone in between.
    }
  }
}
