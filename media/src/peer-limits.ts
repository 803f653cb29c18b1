import type { types } from 'mediasoup';
import { MediaError } from './media-error.js';

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
 * One producer at a time per source, each source sending one kind. The
 * produce request names its source (a screen share says `screen`); a request
 * that names none takes its kind's own source, the microphone or the camera.
 * A source's place is free again once its producer is closed (a screen share
 * stopped and started again).
 */
export const PRODUCER_SOURCES = {
  microphone: 'audio',
  camera: 'video',
  screen: 'video',
} as const satisfies Record<string, types.MediaKind>;

export type ProducerSource = keyof typeof PRODUCER_SOURCES;

/** The source a new producer of this kind takes: the one named, if it sends this kind, else the kind's own. */
export function producerSourceFor(kind: types.MediaKind, named?: ProducerSource): ProducerSource {
  if (named !== undefined) {
    if (PRODUCER_SOURCES[named] !== kind) throw new MediaError('invalid_state', `a ${named} sends ${PRODUCER_SOURCES[named]}, not ${kind}`);
    return named;
  }
  return kind === 'audio' ? 'microphone' : 'camera';
}

/**
 * The most a peer may send into the SFU on one transport, bits per second,
 * set with `setMaxIncomingBitrate` on every WebRTC transport. The camera's
 * three simulcast layers top out at 150 + 450 + 1200 kb/s = 1.8 Mb/s, Opus
 * at up to 64 kb/s; about a fifth more covers RTP and SRTP headers,
 * retransmissions and FEC. mediasoup enforces it through the bandwidth
 * estimate it feeds back to the sender, so a browser asked to send more thins
 * its layers instead. A screen share (at most 1 Mb/s, SCREEN_MAX_BITRATE in
 * the web app) fits beside the camera's two lower layers: while a share is on,
 * the others show the camera small, so its top layer is the one to give up
 * (the share is sent at a higher priority, which is what the browser's
 * bandwidth allocation follows).
 */
export const MAX_INCOMING_BITRATE = 2_500_000;

/**
 * The least the SFU's bandwidth estimate for a receiving transport may fall to. When a receiver's line narrows below
 * the lowest simulcast layer, mediasoup stops its video; with nothing sent beyond the voice, the receiver's feedback
 * never shows room to grow, and the video stayed off long after the line came back (mediasoup issue #316;
 * tests/faults/low-bandwidth saw "not back in 60 s"). Held at this floor, the lowest layer's base temporal layer
 * (about 50 to 70 kb/s of the 150 kb/s layer) keeps flowing, and its feedback lets the estimate climb again.
 */
export const MIN_OUTGOING_BITRATE = 100_000;
