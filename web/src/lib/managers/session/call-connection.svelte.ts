import type { MediaMode } from '@care/shared';
import type { ConnectionQuality, MediaConnectionState, RoomClient } from '../../rtc/room-client.js';

/** Where the live statistics come from: the room's media. */
export type QualitySource = Pick<RoomClient, 'quality' | 'peerQualities'>;

/** Polls in a row with heavy loss before audio only is suggested. */
const LOSSY_POLLS = 2;
const HEAVY_LOSS_PERCENT = 10;

/**
 * How the call is carried: the media connection's state (connecting,
 * connected, reconnecting, failed), what we receive from live statistics,
 * per participant in a circle, and the suggestion to go audio only when loss
 * stays heavy (the person decides).
 */
export class CallConnection {
  state = $state<MediaConnectionState>('connecting');
  /** What we receive, from live statistics. */
  quality = $state<ConnectionQuality | undefined>(undefined);
  /** What arrives from each participant (circles show it on their tile). */
  peerQuality = $state<Record<string, ConnectionQuality>>({});
  /** Live stats show heavy loss: suggest audio only. */
  suggestAudioOnly = $state(false);
  #lossyPolls = 0;

  /** One look at the statistics; `perPeer` for a circle's tiles, `mode` since only full video is worth lightening. */
  async poll(source: QualitySource, { perPeer, mode }: { perPeer: boolean; mode: MediaMode }): Promise<void> {
    const quality = await source.quality().catch(() => undefined);
    if (!quality) return;
    this.quality = quality;
    if (perPeer) {
      const byPeer = await source.peerQualities().catch(() => new Map<string, ConnectionQuality>());
      this.peerQuality = Object.fromEntries(byPeer);
    }
    this.#lossyPolls = quality.lossPercent > HEAVY_LOSS_PERCENT ? this.#lossyPolls + 1 : 0;
    if (this.#lossyPolls >= LOSSY_POLLS && mode === 'full') this.suggestAudioOnly = true;
  }
}
