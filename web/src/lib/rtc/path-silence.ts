/** How often the transports' received counters are read. */
export const SILENCE_POLL_MS = 400;
/**
 * Nothing at all received on any transport this long, after a steady flow,
 * means the path is gone. Above the longest gap a narrow line gave the voice
 * here (0.95 s at 100 kbit/s on a loaded machine, tests/faults/low-bandwidth),
 * and short enough that the restart is asked before Chromium on Linux even
 * lists the new address (it waits 2 s for the network to settle).
 */
export const SILENCE_MS = 1200;
/** A transport counts as flowing once something new arrived at two polls running (ICE check answers alone come every 2.5 s). */
export const STEADY_MS = SILENCE_POLL_MS;
/**
 * What a transport has received so far: media bytes, and answers to the
 * browser's ICE checks (which keep coming, every few seconds, on a path
 * that works even when no media flows on it).
 */
export interface Received {
  bytes: number;
  answers: number;
}

interface Flow {
  last: Received;
  /** Whether the poll before found something new. */
  grewLastPoll: boolean;
  /** When something new last arrived (a poll's time). */
  lastGrowth: number;
  /** Since when something new arrived at every poll, up to `lastGrowth`. */
  runStart: number;
}

/**
 * Tells a dead media path from a quiet or a slow one, from what each
 * transport has received so far (read every poll).
 *
 * When a device's address changes (Wi-Fi to mobile data, a new lease), the
 * SFU keeps sending to the old address and nothing arrives any more; the
 * browser itself says `disconnected` only after its consent checks have gone
 * unanswered for seconds (about 6 s in Chromium 156). The page knows sooner:
 * the path is judged gone when nothing at all arrived on any transport for
 * `SILENCE_MS`, right after at least one of them had been receiving at every
 * poll for `STEADY_MS`. A slow link still lets something through (the voice
 * wins a narrow link, the SFU's feedback to what we send keeps coming), a
 * call where nobody sends never was steady, and someone muting leaves our
 * own sending's feedback flowing; so none of them looks like a move.
 * Getting it wrong costs one needless ICE restart (the old path carries on
 * meanwhile), and the caller spaces restarts out.
 */
export class PathSilence {
  readonly #flows = new Map<string, Flow>();

  /** One poll: what each open transport has received so far. Whether the path is judged gone now. */
  observe(now: number, received: ReadonlyMap<string, Received>): boolean {
    for (const id of this.#flows.keys()) if (!received.has(id)) this.#flows.delete(id);
    for (const [id, counts] of received) {
      const flow = this.#flows.get(id);
      if (!flow) {
        // Media already received before the first look counts as this poll's (a call moments old may move at once).
        this.#flows.set(id, { last: counts, grewLastPoll: counts.bytes > 0, lastGrowth: now, runStart: now });
        continue;
      }
      // Counters only grow; one that fell (a candidate pair replaced by a restart) starts again from here.
      const grew = counts.bytes > flow.last.bytes || counts.answers > flow.last.answers;
      flow.last = counts;
      if (grew) {
        if (!flow.grewLastPoll) flow.runStart = now;
        flow.lastGrowth = now;
      }
      flow.grewLastPoll = grew;
    }
    return this.silent(now);
  }

  /** Whether, at `now`, nothing arrived anywhere for `SILENCE_MS` after a steady flow on at least one transport. */
  silent(now: number): boolean {
    const flows = [...this.#flows.values()];
    const wasSteady = flows.some((flow) => flow.lastGrowth - flow.runStart >= STEADY_MS);
    return wasSteady && flows.every((flow) => now - flow.lastGrowth >= SILENCE_MS);
  }

  /** Whether anything arrived on this transport after `since` (a restart's time): media, or an answer to an ICE check. */
  receivedSince(id: string, since: number): boolean {
    return (this.#flows.get(id)?.lastGrowth ?? 0) > since;
  }
}
