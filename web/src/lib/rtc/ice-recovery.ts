import type { types } from 'mediasoup-client';
import { PathSilence, SILENCE_POLL_MS, type Received } from './path-silence.js';

/** While a restart is under way the transports are read this often, so the pictures are asked for as soon as the path is back. */
export const RECOVERY_POLL_MS = 100;

/** A transport 'disconnected' this long is restarted (Chromium says it late already; a blip may still heal). */
export const DISCONNECTED_GRACE_MS = 1000;
/** A transport's restarts are spaced at least this much, doubling with each one in the last minute. */
export const RESTART_GAP_MS = 2000;
export const RESTART_GAP_MAX_MS = 32_000;
const RESTART_MEMORY_MS = 60_000;
/** A restart that has not brought the path back after this long (doubling per try) is tried again… */
export const SETTLE_MS = 3000;
/** …this many times in a row at most; then the page offers a rejoin. */
export const MAX_TRIES = 3;

/** What recovery needs of a mediasoup-client transport. */
export interface WatchedTransport {
  readonly id: string;
  readonly closed: boolean;
  readonly connectionState: types.ConnectionState;
  getStats(): Promise<RTCStatsReport>;
}

export interface IceRecoveryDeps {
  /** New ICE credentials from the SFU, and the transport restarted with them (`room:restart-ice`, `transport.restartIce`). */
  restart(transport: WatchedTransport): Promise<void>;
  /**
   * Every restarted transport carries again: ask for key frames both ways, so
   * pictures start at once instead of at the next one (the SFU takes one
   * such request a second, so it is made once both are back).
   */
  onRecovered(): void;
  /** Whether recovery is under way or given up changed (the page shows "reconnecting", or offers a rejoin). */
  onChange(): void;
  /** The network changed under the page (`online`, another connection type), where the browser says so. */
  listenToNetwork?: (changed: () => void) => () => void;
}

interface Watch {
  transport: WatchedTransport;
  /** Something asked for a restart that has not been made yet (it waits for the spacing). */
  wanted: boolean;
  /** A restart asked and not answered yet: never a second one meanwhile. */
  inFlight: boolean;
  /** The last restart, until the path carries again; its try in a row. */
  pending: { at: number; tries: number } | undefined;
  /** Restarts of the last minute, to space the next ones out. */
  restarts: number[];
  /** Chromium's 'disconnected', given its grace. */
  grace: ReturnType<typeof setTimeout> | undefined;
  /** The next look: a wanted restart waiting for its spacing, or a restart waiting to be judged. */
  timer: ReturnType<typeof setTimeout> | undefined;
  gaveUp: boolean;
}

/**
 * Brings the media path back after the network under it changed, by ICE
 * restarts (new credentials from the SFU, the browser finds the new path),
 * without a storm:
 * - what asks for one: the path silent (`PathSilence`, 1.2–1.6 s after the
 *   move), Chromium's 'disconnected' held a second, 'failed', or the browser
 *   saying the network changed; the path's silence and the network restart
 *   every transport at once, a transport's own state only that one;
 * - one restart in flight per transport, never a second beside it, and none
 *   asked anew while the last is still being judged;
 * - restarts of one transport spaced 2 s, doubling with each one in the last
 *   minute (up to 32 s), so a link that keeps flapping is not restarted in a
 *   loop (and an honest client stays well inside `room:restart-ice`'s budget);
 * - a restart is over when the transport is connected and something arrives
 *   on it again (media, or an answer to the browser's ICE checks); one that
 *   has not brought it back in 3 s is tried again (then 6 s, 12 s), and after
 *   three tries recovery gives up and the page offers today's rejoin.
 */
export class IceRecovery {
  readonly #watches = new Map<string, Watch>();
  readonly #silence = new PathSilence();
  #poll: ReturnType<typeof setTimeout> | undefined;
  #stopNetwork: (() => void) | undefined;
  #closed = false;

  constructor(private readonly deps: IceRecoveryDeps) {}

  /** Watches a transport from now on (both of a visit, once created). */
  watch(transport: WatchedTransport): void {
    if (this.#closed) return;
    this.#watches.set(transport.id, { transport, wanted: false, inFlight: false, pending: undefined, restarts: [], grace: undefined, timer: undefined, gaveUp: false });
    if (this.#poll === undefined) this.#nextSample();
    this.#stopNetwork ??= this.deps.listenToNetwork?.(() => this.#wantAll());
  }

  /** Stops watching a transport that is closed (our media moved to another media node). */
  forget(transportId: string): void {
    const watch = this.#watches.get(transportId);
    if (!watch) return;
    clearTimeout(watch.grace);
    clearTimeout(watch.timer);
    this.#watches.delete(transportId);
    this.deps.onChange();
  }

  /** Under way: a restart wanted, asked, or waiting to be judged. */
  get recovering(): boolean {
    return [...this.#watches.values()].some((w) => w.wanted || w.inFlight || w.pending !== undefined);
  }

  /** Restarts did not bring the path back: the person may rejoin. */
  get gaveUp(): boolean {
    return [...this.#watches.values()].some((w) => w.gaveUp);
  }

  /** A transport's state as mediasoup-client reports it ('connectionstatechange'). */
  stateChanged(transportId: string, state: types.ConnectionState): void {
    const watch = this.#watches.get(transportId);
    if (!watch || this.#closed) return;
    clearTimeout(watch.grace);
    watch.grace = undefined;
    switch (state) {
      case 'failed':
        this.#want(watch);
        return;
      case 'disconnected':
        watch.grace = setTimeout(() => {
          watch.grace = undefined;
          this.#want(watch);
        }, DISCONNECTED_GRACE_MS);
        return;
      case 'connected':
        // Back by itself after recovery gave up: a pending restart is judged by what arrives (`#sample`).
        if (watch.gaveUp) {
          watch.gaveUp = false;
          this.deps.onChange();
        }
        return;
      case 'new':
      case 'connecting':
      case 'closed':
        return;
      default: {
        const unknown: never = state;
        throw new Error(`unknown transport state ${String(unknown)}`);
      }
    }
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#poll);
    this.#stopNetwork?.();
    for (const watch of this.#watches.values()) {
      clearTimeout(watch.grace);
      clearTimeout(watch.timer);
    }
    this.#watches.clear();
  }

  /** The network changed, or the path went silent: every transport at once (each a path the move broke). */
  #wantAll(): void {
    for (const watch of this.#watches.values()) this.#want(watch);
  }

  #nextSample(): void {
    this.#poll = setTimeout(
      () => void this.#sample().finally(() => !this.#closed && this.#nextSample()),
      this.recovering ? RECOVERY_POLL_MS : SILENCE_POLL_MS,
    );
  }

  async #sample(): Promise<void> {
    const open = [...this.#watches.values()].filter((w) => !w.transport.closed);
    const readings = await Promise.all(open.map(async (w) => [w.transport.id, await received(w.transport)] as const)).catch(() => undefined);
    if (!readings || this.#closed) return;
    const silent = this.#silence.observe(Date.now(), new Map(readings));
    let recovered = false;
    for (const watch of open) {
      const pending = watch.pending;
      if (!pending || watch.inFlight || watch.transport.connectionState !== 'connected' || !this.#silence.receivedSince(watch.transport.id, pending.at)) continue;
      watch.pending = undefined;
      clearTimeout(watch.timer);
      watch.timer = undefined;
      recovered = true;
    }
    if (recovered) {
      if (!this.recovering) this.deps.onRecovered();
      this.deps.onChange();
    }
    if (silent) this.#wantAll();
  }

  /** Something asks for a restart: made now, or once the spacing allows; not while the last one is still being judged. */
  #want(watch: Watch): void {
    if (this.#closed || watch.transport.closed || watch.gaveUp || watch.inFlight || watch.pending !== undefined) return;
    const first = !watch.wanted;
    watch.wanted = true;
    if (first) this.deps.onChange();
    this.#restartWhenSpaced(watch);
  }

  #restartWhenSpaced(watch: Watch): void {
    const now = Date.now();
    watch.restarts = watch.restarts.filter((at) => now - at < RESTART_MEMORY_MS);
    const last = watch.restarts.at(-1);
    const gap = Math.min(RESTART_GAP_MAX_MS, RESTART_GAP_MS * 2 ** (watch.restarts.length - 1));
    const wait = last === undefined ? 0 : last + gap - now;
    clearTimeout(watch.timer);
    if (wait > 0) {
      watch.timer = setTimeout(() => this.#restartWhenSpaced(watch), wait);
      return;
    }
    watch.timer = undefined;
    if (this.#closed || watch.transport.closed) return;
    const tries = (watch.pending?.tries ?? 0) + 1;
    watch.wanted = false;
    watch.restarts.push(now);
    watch.inFlight = true;
    watch.pending = { at: now, tries };
    // No answer (the socket is down too: the session rejoins once it is back) counts as a try like any other.
    const settled = () => {
      watch.inFlight = false;
      this.#judgeLater(watch, tries);
    };
    this.deps.restart(watch.transport).then(settled, settled);
  }

  /** Once a restart had its time: still not carrying means another try, or, after the last, giving up. */
  #judgeLater(watch: Watch, tries: number): void {
    if (this.#closed || watch.pending?.tries !== tries) return;
    clearTimeout(watch.timer);
    watch.timer = setTimeout(() => {
      watch.timer = undefined;
      if (this.#closed || watch.pending?.tries !== tries) return;
      if (tries >= MAX_TRIES) {
        watch.pending = undefined;
        watch.gaveUp = true;
        this.deps.onChange();
        return;
      }
      watch.wanted = true;
      this.#restartWhenSpaced(watch);
    }, SETTLE_MS * 2 ** (tries - 1));
  }
}

/** What a transport has received so far, from its statistics: media bytes, and answers to ICE checks on every pair. */
async function received(transport: WatchedTransport): Promise<Received> {
  const counts = { bytes: 0, answers: 0 };
  (await transport.getStats()).forEach((s: { type: string; bytesReceived?: number; responsesReceived?: number }) => {
    if (s.type === 'transport') counts.bytes += s.bytesReceived ?? 0;
    if (s.type === 'candidate-pair') counts.answers += s.responsesReceived ?? 0;
  });
  return counts;
}
