import type { MediaMode } from '@care/shared';
import type { ConnectionQuality, MediaConnectionState, RoomClient } from '../../rtc/room-client.js';
import type { Announce } from './announce.js';

/** Where the live statistics come from: the room's media. */
export type QualitySource = Pick<RoomClient, 'reception'>;

/** A lighter way to carry on, offered when the connection stays poor: voice only, then chat only. */
export type ConnectionOffer = 'audio-only' | 'chat-only';

/** What we receive lost above this share, for POOR_FOR_MS, offers voice only. */
export const POOR_LOSS_PERCENT = 10;
/**
 * Voice "breaks up" when more than this share of its packets is lost for
 * POOR_FOR_MS: then chat only is offered. Opus with in-band FEC (which the
 * room asks for) and the decoder's loss concealment keep speech
 * intelligible through roughly 10–15% random loss; past about 20% whole
 * syllables drop out, and people start repeating themselves. Voice only is
 * offered at 10% of all media (video suffers first); chat only at twice that,
 * of the audio alone, so a connection that can still carry a voice keeps it.
 */
export const BROKEN_VOICE_LOSS_PERCENT = 20;
export const POOR_FOR_MS = 10_000;

export interface CallConnectionDeps {
  /** The offers are said in the page's polite live region. */
  announce?: Announce;
  now?: () => number;
}

/** The offer each mode leads to when the connection stays poor, and the loss it is judged by. */
function nextStep(mode: MediaMode, quality: ConnectionQuality): { offer: ConnectionOffer; poor: boolean } | undefined {
  switch (mode) {
    case 'full':
    case 'speaker-only':
      return { offer: 'audio-only', poor: quality.lossPercent > POOR_LOSS_PERCENT };
    case 'audio-only':
      return { offer: 'chat-only', poor: (quality.audioLossPercent ?? 0) > BROKEN_VOICE_LOSS_PERCENT };
    case 'chat-only':
      return undefined;
    default: {
      const unknown: never = mode;
      throw new Error(`unknown media mode ${String(unknown)}`);
    }
  }
}

/**
 * How the call is carried: the media connection's state (connecting,
 * connected, reconnecting, failed), what we receive from live statistics,
 * per participant in a circle, and the offers when it stays poor — voice
 * only after 10 s of heavy loss, then chat only if the voice breaks up too.
 * Each is a click, announced, and can be turned down; taking one can be
 * undone ("back to video and voice"). The person always decides.
 */
export class CallConnection {
  state = $state<MediaConnectionState>('connecting');
  /** What we receive, from live statistics. */
  quality = $state<ConnectionQuality | undefined>(undefined);
  /** What arrives from each participant (circles show it on their tile). */
  peerQuality = $state<Record<string, ConnectionQuality>>({});
  /** The lighter mode offered now, if any. */
  offer = $state<ConnectionOffer | undefined>(undefined);
  /** The mode we moved to from an offer (offered back to full until we go back). */
  fellBack = $state<ConnectionOffer | undefined>(undefined);
  /** Since when the loss has been over the line (the start of the first poor interval). */
  #poorSince: number | undefined;
  #lastPoll: number | undefined;
  /** A look at the statistics is under way. */
  #looking = false;
  #mode: MediaMode | undefined;
  /** An offer turned down is not made again until the connection has recovered in between. */
  #declined: ConnectionOffer | undefined;
  readonly #now: () => number;

  constructor(private readonly deps: CallConnectionDeps = {}) {
    this.#now = deps.now ?? (() => Date.now());
  }

  /** One look at the statistics; `perPeer` for a circle's tiles, `mode` for which offer comes next. */
  async poll(source: QualitySource, { perPeer, mode }: { perPeer: boolean; mode: MediaMode }): Promise<void> {
    // A page too busy to finish a look in time skips the next rather than pile looks on each other.
    if (this.#looking) return;
    this.#looking = true;
    const reception = await source.reception({ perPeer }).catch(() => undefined).finally(() => (this.#looking = false));
    if (!reception) return;
    const { quality } = reception;
    const now = this.#now();
    this.quality = quality;
    if (perPeer) this.peerQuality = Object.fromEntries(reception.byPeer);
    if (mode !== this.#mode) {
      // Another mode measures another loss (voice only: the voice's); the wait starts again.
      this.#mode = mode;
      this.#poorSince = undefined;
      if (this.offer !== undefined && this.offer !== nextStep(mode, quality)?.offer) this.offer = undefined;
    }
    this.#judge(nextStep(mode, quality), now);
    this.#lastPoll = now;
  }

  #judge(step: { offer: ConnectionOffer; poor: boolean } | undefined, now: number): void {
    if (!step?.poor) {
      this.#poorSince = undefined;
      this.#declined = undefined;
      return;
    }
    // The loss a poll reads covers the time since the poll before.
    this.#poorSince ??= this.#lastPoll ?? now;
    if (now - this.#poorSince < POOR_FOR_MS || this.offer === step.offer || this.#declined === step.offer) return;
    this.offer = step.offer;
    this.deps.announce?.(step.offer === 'audio-only' ? 'mode.suggest' : 'mode.offerChatOnly', '');
  }

  /** The person took the offer: the page switches to it. Returns the mode to switch to. */
  accept(): ConnectionOffer | undefined {
    const offer = this.offer;
    this.offer = undefined;
    if (offer) this.fellBack = offer;
    return offer;
  }

  /** Not now: the same offer comes again only after the connection recovers and worsens again. */
  decline(): void {
    this.#declined = this.offer;
    this.offer = undefined;
    this.#poorSince = undefined;
  }

  /** The person chose a mode themselves: any offer and any "back to full" give way to their choice. */
  chose(mode: MediaMode): void {
    this.offer = undefined;
    if (mode === 'full' || mode !== this.fellBack) this.fellBack = undefined;
  }
}
