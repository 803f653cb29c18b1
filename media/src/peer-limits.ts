import type { types } from 'mediasoup';

/*
 * What one peer may hold on the SFU, whatever its client asks for. A refusal
 * is a MediaError 'limit_reached' (the server answers it `rate_limited`).
 */

/**
 * One send and one receive WebRTC transport per peer, for the peer's life.
 * A second create of the same direction is refused rather than replacing the
 * first: an honest client never needs one (a network change restarts ICE on
 * the same transport, a rejoin is a new peer), and replacing would let a
 * client churn transports on the worker as fast as it can ask.
 */
export const TRANSPORTS_PER_DIRECTION = 1;

/**
 * One producer per source. Each source names the kind it sends; today a
 * source follows from the kind. A screen share will be a third source here,
 * `screen: 'video'`, once the produce request says which source a track is.
 */
export const PRODUCER_SOURCES = {
  microphone: 'audio',
  camera: 'video',
} as const satisfies Record<string, types.MediaKind>;

export type ProducerSource = keyof typeof PRODUCER_SOURCES;

/** The source a new producer of this kind takes. */
export function producerSourceFor(kind: types.MediaKind): ProducerSource {
  for (const [source, sourceKind] of Object.entries(PRODUCER_SOURCES) as Array<[ProducerSource, types.MediaKind]>) {
    if (sourceKind === kind) return source;
  }
  throw new Error(`no producer source sends ${kind}`);
}

/**
 * The most a peer may send into the SFU on one transport, bits per second,
 * set with `setMaxIncomingBitrate` on every WebRTC transport. The camera's
 * three simulcast layers top out at 150 + 450 + 1200 kb/s = 1.8 Mb/s, Opus
 * at up to 64 kb/s; about a fifth more covers RTP and SRTP headers,
 * retransmissions and FEC. mediasoup enforces it through the bandwidth
 * estimate it feeds back to the sender, so a browser asked to send more thins
 * its layers instead.
 */
export const MAX_INCOMING_BITRATE = 2_500_000;
